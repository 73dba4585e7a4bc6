package org.gatelane.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.gatelane.core.io.Checkpoint;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.train.NonFiniteException;
import org.gatelane.core.train.TrainingLoop;
import org.gatelane.core.train.TrainingSettings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training options beyond the basics: fine-tuning, validation files, early stopping, rollback, resume rules. */
class TrainOptionsTest {

    @TempDir
    Path folder;

    private Path write(String name, String content) throws Exception {
        Path file = folder.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    /** {@code gatelane train} on a small model; options in {@code more} replace the defaults of the same name. */
    private Cli train(Path text, Path model, String... more) {
        String[] defaults = {"--text", text.toString(), "--checkpoint", model.toString(), "--hidden", "10",
                "--seq-length", "6", "--sample-every", "1000", "--checkpoint-every", "10"};
        java.util.List<String> given = java.util.List.of(more);
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train"));
        for (int i = 0; i < defaults.length; i += 2) {
            if (!given.contains(defaults[i])) {
                args.add(defaults[i]);
                args.add(defaults[i + 1]);
            }
        }
        args.addAll(given);
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void fineTuningKeepsTheVocabularyAndNamesOrSkipsUnknownCharacters() throws Exception {
        Path first = write("first.txt", "the lamp turns and the fog rolls in. ".repeat(10));
        Path base = folder.resolve("base.gatelane");
        assertEquals(0, train(first, base, "--iterations", "10").exitCode());

        Path second = write("second.txt", "the fog rolls out; the lamp rests! ".repeat(10));
        Path tuned = folder.resolve("tuned.gatelane");
        Cli refused = train(second, tuned, "--iterations", "10", "--init-from", base.toString());
        assertEquals(1, refused.exitCode());
        assertTrue(refused.err().contains("';' (U+003B)") && refused.err().contains("'!' (U+0021)"), refused.err());
        assertFalse(Files.exists(tuned));

        Cli skipped = train(second, tuned, "--iterations", "10", "--init-from", base.toString(), "--unknown", "skip");
        assertEquals(0, skipped.exitCode(), skipped.err());
        Checkpoint before = Checkpoint.read(base);
        Checkpoint after = Checkpoint.read(tuned);
        assertEquals(before.vocabulary(), after.vocabulary());
        assertEquals(before.shape(), after.shape());
        assertNotEquals(before.parameters()[0], after.parameters()[0], "the weights were trained further");
        assertEquals(10, after.run().iteration(), "a new run, counted from zero");
        assertEquals(10, after.run().optimizerStep(), "with a fresh optimizer");

        Cli mismatch = train(second, folder.resolve("other.gatelane"), "--init-from", base.toString(),
                "--unknown", "skip", "--hidden", "12");
        assertTrue(mismatch.err().contains("--init-from") && mismatch.err().contains("H=10"), mismatch.err());
    }

    /** The restart interval is the run's: said at the start, kept in the checkpoint, 0 for restarts at epochs. */
    @Test
    void theRestartIntervalIsSaidAndSaved() throws Exception {
        Path text = write("train.txt", "stones and water and light. ".repeat(10));
        Path model = folder.resolve("m.gatelane");
        Cli defaults = train(text, model, "--iterations", "5");
        assertEquals(0, defaults.exitCode(), defaults.err());
        assertTrue(defaults.out().contains("; streams restart every 100 chunks;"), defaults.out());
        Cli epochs = train(text, model, "--iterations", "5", "--restart-every", "0", "--force");
        assertEquals(0, epochs.exitCode(), epochs.err());
        assertTrue(epochs.out().contains("; streams restart at epochs;"), epochs.out());
        assertEquals(0, TrainingSettings.fromOptions(Checkpoint.read(model).settings()).restartEvery());
    }

    /** A run says its dropout, and from which iteration a late one begins; both are saved. */
    @Test
    void dropoutIsSaidAndSavedWithWhenItBegins() throws Exception {
        Path text = write("train.txt", "stones and water and light. ".repeat(10)); // 280 chars, 252 for training
        Path model = folder.resolve("m.gatelane");
        Cli late = train(text, model, "--iterations", "5", "--seq-length", "5", "--batch-size", "3", "--dropout",
                "0.2", "--dropout-after", "4");
        assertEquals(0, late.exitCode(), late.err());
        // Three streams of 84 characters make 16 chunks of 5 inputs and their targets: 4 passes end at iteration 64.
        assertTrue(late.out().contains("; dropout 0.2 from iteration 65 (after 4 passes);"), late.out());
        TrainingSettings saved = TrainingSettings.fromOptions(Checkpoint.read(model).settings());
        assertEquals(0.2f, saved.dropout());
        assertEquals(4, saved.dropoutAfter());
        Cli named = train(text, model, "--iterations", "5", "--dropout", "0.3", "--force");
        assertEquals(0, named.exitCode(), named.err());
        assertTrue(named.out().contains("; dropout 0.3;"), named.out());
        assertEquals(0, TrainingSettings.fromOptions(Checkpoint.read(model).settings()).dropoutAfter());
        Cli none = train(text, model, "--iterations", "5", "--force");
        assertTrue(none.out().contains("; no dropout;"), none.out());
        Cli negative = train(text, model, "--iterations", "5", "--dropout-after", "-1", "--force");
        assertEquals(2, negative.exitCode());
        assertTrue(negative.err().contains("--dropout-after"), negative.err());
    }

    @Test
    void aValidationFileReplacesTheHeldOutTail() throws Exception {
        Path text = write("train.txt", "stones and water and light. ".repeat(10));
        Path validation = write("val.txt", "water and stones. ");
        Path model = folder.resolve("m.gatelane");
        Cli result = train(text, model, "--iterations", "10", "--val-text", validation.toString());
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains(text.toFile().length() + " chars for training, 18 for validation"),
                result.out());
        assertTrue(result.out().contains("validation"), result.out());

        Path unseen = write("unseen.txt", "Water!");
        Cli refused = train(text, folder.resolve("n.gatelane"), "--iterations", "10", "--val-text", unseen.toString());
        assertTrue(refused.err().contains("'W' (U+0057)"), refused.err());
        Cli both = train(text, folder.resolve("n.gatelane"), "--val-text", validation.toString(), "--val-fraction",
                "0.2");
        assertTrue(both.err().contains("give one"), both.err());
    }

    @Test
    void earlyStoppingEndsTheRunWhenValidationStopsImproving() throws Exception {
        // Learning one text by heart makes another, made of the same characters, ever less likely.
        Path text = write("train.txt", "abcdefgh ".repeat(30));
        Path validation = write("val.txt", "hgfedcba ".repeat(3));
        Path model = folder.resolve("m.gatelane");
        Cli result = train(text, model, "--iterations", "5000", "--lr", "0.02", "--checkpoint-every", "20",
                "--val-text", validation.toString(), "--early-stop", "2");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("early stop: no improvement in 2 validations"), result.out());
        long iteration = Checkpoint.read(model).run().iteration();
        assertTrue(iteration < 5000, "stopped at " + iteration);
        assertTrue(Checkpoint.read(TrainingLoop.bestBeside(model)).run().iteration() < iteration, "the best came earlier");
    }

    @Test
    void resumeRefusesConflictingOptionsAndAcceptsTheFreeOnes() throws Exception {
        Path text = write("text.txt", "resume me gently, resume me well. ".repeat(10));
        Path model = folder.resolve("m.gatelane");
        assertEquals(0, train(text, model, "--iterations", "10", "--lr", "0.003").exitCode());
        byte[] saved = Files.readAllBytes(model);

        Cli conflict = train(text, model, "--iterations", "20", "--resume", "--lr", "0.01", "--dropout", "0.1",
                "--hidden", "10", "--layers", "2", "--cell", "gru");
        assertEquals(2, conflict.exitCode());
        assertEquals(1, conflict.err().strip().lines().count(), conflict.err());
        assertTrue(conflict.err().contains("--lr 0.01 (saved: 0.003)") && conflict.err().contains("--dropout 0.1 "
                + "(saved: 0.0)"), conflict.err());
        assertTrue(conflict.err().contains("--layers 2 (saved: 1)") && conflict.err().contains("--cell gru (saved: "
                + "lstm)"), conflict.err());
        assertFalse(conflict.err().contains("--hidden"), "an option given with its saved value is no conflict");
        assertArrayEquals(saved, Files.readAllBytes(model));

        Cli free = train(text, model, "--iterations", "20", "--resume", "--threads", "2", "--lr", "0.003",
                "--sample-every", "7", "--log-every", "3");
        assertEquals(0, free.exitCode(), free.err());
        assertEquals(20, Checkpoint.read(model).run().iteration());
    }

    /** Same length, same vocabulary, other content: refused unless asked for, training and validation text alike. */
    @Test
    void resumeOnOtherDataIsRefusedUnlessItIsMeant() throws Exception {
        Path text = write("text.txt", "resume me gently, resume me well. ".repeat(10));
        Path model = folder.resolve("m.gatelane");
        assertEquals(0, train(text, model, "--iterations", "10").exitCode());
        byte[] saved = Files.readAllBytes(model);
        Path shuffled = write("other.txt", "resume me well, resume me gently. ".repeat(10));
        assertEquals(Files.size(text), Files.size(shuffled));

        Cli refused = train(shuffled, model, "--iterations", "20", "--resume");
        assertEquals(1, refused.exitCode());
        assertEquals("gatelane: the training text differs from the one the run in " + model + " was saved with; "
                + "resume with that text, or accept other data (gatelane train --allow-other-data)", refused.err().strip());
        assertArrayEquals(saved, Files.readAllBytes(model), "the refused resume wrote nothing");

        Path validation = write("val.txt", "gently, well. ".repeat(4));
        Path otherValidation = write("val2.txt", "well, gently. ".repeat(4));
        Path tuned = folder.resolve("v.gatelane");
        assertEquals(0, train(text, tuned, "--iterations", "10", "--val-text", validation.toString()).exitCode());
        Cli otherScore = train(text, tuned, "--iterations", "20", "--resume", "--val-text", otherValidation.toString());
        assertTrue(otherScore.err().contains("the validation text differs"), otherScore.err());

        Cli meant = train(shuffled, model, "--iterations", "20", "--resume", "--allow-other-data");
        assertEquals(0, meant.exitCode(), meant.err());
        assertEquals(20, Checkpoint.read(model).run().iteration());
        assertEquals(0, train(shuffled, model, "--iterations", "30", "--resume").exitCode(),
                "the run now records the text it continued on");
        assertTrue(train(text, model, "--allow-other-data").err().contains("--allow-other-data goes with --resume"));
    }

    /**
     * A run whose last validation is not its best says which file holds the best; one that ends at its best does
     * not. The text teaches "abcd", the validation text is "dcba": the longer it trains, the worse it validates.
     */
    @Test
    void aRunThatEndsPastItsBestNamesTheBestModel() throws Exception {
        Path text = write("text.txt", "abcd ".repeat(200));
        Path validation = write("val.txt", "dcba ".repeat(40));
        Path model = folder.resolve("o.gatelane");
        Cli run = train(text, model, "--val-text", validation.toString(), "--iterations", "80", "--lr", "0.01");
        assertEquals(0, run.exitCode(), run.err());
        java.util.List<String> checkpoints = run.out().lines().filter(l -> l.startsWith("checkpoint iter")).toList();
        assertTrue(checkpoints.size() >= 3, run.out());
        assertFalse(checkpoints.getLast().contains("best so far"), "the scenario needs a last validation past the best: "
                + run.out());
        String bestLine = checkpoints.stream().filter(l -> l.contains("best so far")).reduce((a, b) -> b).orElseThrow();
        long bestIteration = Long.parseLong(bestLine.split(" ")[2]);
        assertTrue(run.out().contains("the best model is " + model + ".best (iteration " + bestIteration + ", "),
                run.out());
        assertEquals(bestIteration, Checkpoint.read(Path.of(model + ".best")).run().iteration());

        Cli once = train(text, folder.resolve("once.gatelane"), "--val-text", validation.toString(), "--iterations",
                "10");
        assertEquals(0, once.exitCode(), once.err());
        assertFalse(once.out().contains("the best model is"), once.out());
    }

    /** A budget that start-up alone spent trains nothing, saves nothing and says so. */
    @Test
    void aBudgetSpentBeforeTrainingBeginsSavesNothingAndSaysWhy() throws Exception {
        Path text = write("text.txt", "a run to a deadline, then a model. ".repeat(20));
        Path model = folder.resolve("late.gatelane");
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"train", "--text", text.toString(), "--checkpoint", model.toString(),
                "--hidden", "10", "--time", "2s"}, new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true), java.time.Instant.now().minusSeconds(5));
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().matches("(?s)gatelane: start-up took [5-9]\\.\\d s of the 2\\.0 s --time; give a "
                + "longer --time.*"), err.toString());
        try (var files = Files.list(folder)) {
            assertEquals(java.util.List.of(text), files.toList());
        }
    }

    /** --time counts from the process's start, the JVM's start-up included, but not from before a launcher's build. */
    @Test
    void theBudgetStartsAtTheProcessOrAtTheEndOfALauncherBuild() {
        java.time.Instant process = java.time.Instant.ofEpochMilli(1_000_000);
        assertEquals(process, Main.budgetStart(process, null));
        assertEquals(process, Main.budgetStart(process, "soon"));
        assertEquals(process, Main.budgetStart(process, "999000"), "a build that ended before the process began");
        assertEquals(java.time.Instant.ofEpochMilli(1_090_000), Main.budgetStart(process, "1090000"));
    }

    /** --time trains until the budget, start-up included, then validates and saves; the budget is the run's own. */
    @Test
    void aTimeBudgetEndsTheRunValidatedAndSaved() throws Exception {
        Path text = write("text.txt", "a run to a deadline, then a model. ".repeat(20));
        Path model = folder.resolve("t.gatelane");
        Cli timed = train(text, model, "--time", "3s", "--checkpoint-every", "100000");
        assertEquals(0, timed.exitCode(), timed.err());
        java.util.regex.Matcher spent = java.util.regex.Pattern.compile("time budget of 3 s spent at iteration (\\d+)")
                .matcher(timed.out());
        assertTrue(spent.find(), timed.out());
        long iteration = Long.parseLong(spent.group(1));
        Checkpoint saved = Checkpoint.read(model);
        assertEquals(iteration, saved.run().iteration());
        assertTrue(saved.run().budgetSpentSeconds() >= 2.5, "spent " + saved.run().budgetSpentSeconds());
        assertEquals(3.0, TrainingSettings.fromOptions(saved.settings()).timeBudgetSeconds());
        assertEquals("COOLDOWN", saved.settings().get("schedule"), "a deadline descends over its last fifth");
        assertTrue(timed.out().contains("checkpoint iter " + iteration + " | validation"), timed.out());

        Cli again = train(text, model, "--resume");
        assertEquals(2, again.exitCode());
        assertTrue(again.err().contains("already spent its time budget of 3.0 s"), again.err());
        Cli longer = train(text, model, "--resume", "--time", "5s");
        assertTrue(longer.err().contains("--time 5.0 (saved: 3.0)"), longer.err());
        assertTrue(train(text, folder.resolve("x.gatelane"), "--time", "soon").err()
                .contains("--time must be a number and a unit"));
    }

    /** A timed run checkpoints on its clock: every --checkpoint-every DURATION, and by default only at its end. */
    @Test
    void aTimedRunCheckpointsOnItsClock() throws Exception {
        Path text = write("text.txt", "a clock, not a count of steps. ".repeat(20));
        Path byDefault = folder.resolve("default.gatelane");
        Cli timed = Cli.run("train", "--text", text.toString(), "--checkpoint", byDefault.toString(), "--hidden", "10",
                "--seq-length", "6", "--sample-every", "1000000", "--time", "3s");
        assertEquals(0, timed.exitCode(), timed.err());
        long iterations = Checkpoint.read(byDefault).run().iteration();
        assertTrue(iterations > 1000, "1000 iterations, the untimed default, were not reached: " + iterations);
        assertEquals(1, checkpoints(timed), timed.out());

        Cli clocked = train(text, folder.resolve("clocked.gatelane"), "--time", "3s", "--checkpoint-every", "1s");
        assertEquals(0, clocked.exitCode(), clocked.err());
        // At 1 s and 2 s of the run's clock (start-up may spend the first) and at its end.
        assertTrue(checkpoints(clocked) >= 2 && checkpoints(clocked) <= 3, clocked.out());

        Cli unitless = train(text, folder.resolve("x.gatelane"), "--checkpoint-every", "10x");
        assertEquals(2, unitless.exitCode());
        assertTrue(unitless.err().contains("--checkpoint-every must be a whole number of iterations (1000) or a duration"),
                unitless.err());
        Cli zero = train(text, folder.resolve("y.gatelane"), "--checkpoint-every", "0");
        assertEquals(2, zero.exitCode());
        assertTrue(zero.err().contains("--checkpoint-every"), zero.err());
    }

    private static long checkpoints(Cli run) {
        return run.out().lines().filter(line -> line.startsWith("checkpoint iter ")).count();
    }

    @Test
    void aGruTrainsResumesAndFineTunesAsAGru() throws Exception {
        Path text = write("text.txt", "gated units, recurrent and plain. ".repeat(10));
        Path model = folder.resolve("gru.gatelane");
        Cli trained = train(text, model, "--cell", "gru", "--layers", "2", "--iterations", "10");
        assertEquals(0, trained.exitCode(), trained.err());
        assertTrue(trained.out().contains("2-layer GRU"), trained.out());
        assertEquals(org.gatelane.core.model.Cell.GRU, Checkpoint.read(model).shape().cell());
        assertEquals(0, train(text, model, "--resume", "--iterations", "20").exitCode());
        assertEquals(20, Checkpoint.read(model).run().iteration());

        Path tuned = folder.resolve("tuned.gatelane");
        assertEquals(0, train(text, tuned, "--init-from", model.toString(), "--iterations", "10").exitCode());
        assertEquals(org.gatelane.core.model.Cell.GRU, Checkpoint.read(tuned).shape().cell());
        Cli mismatch = train(text, folder.resolve("other.gatelane"), "--init-from", model.toString(), "--cell", "lstm");
        assertEquals(2, mismatch.exitCode());
        assertTrue(mismatch.err().contains("is a 2-layer gru with H=10"), mismatch.err());

        Cli forget = train(text, folder.resolve("f.gatelane"), "--cell", "gru", "--forget-bias", "1");
        assertEquals(2, forget.exitCode());
        assertEquals(1, forget.err().strip().lines().count(), forget.err());
        assertTrue(forget.err().contains("--forget-bias sets an LSTM's forget gate"), forget.err());
    }

    /** Memorised "abcdefghij": the sample after iteration k must continue the text after the chunk's last target. */
    @Test
    void theTrainingSampleContinuesAfterTheLastTarget() throws Exception {
        Path text = write("abc.txt", "abcdefghij".repeat(100));
        Cli result = train(text, folder.resolve("m.gatelane"), "--iterations", "300", "--sample-every", "300",
                "--val-fraction", "0", "--lr", "0.01", "--hidden", "24", "--seq-length", "7");
        assertEquals(0, result.exitCode(), result.err());
        String sample = result.out().split("----\n")[1];
        // 142 chunks of 7 per epoch; iteration 300 is chunk 16 of the third epoch, its last target at 16·7 = 112.
        char lastTarget = "abcdefghij".charAt(112 % 10);
        char next = "abcdefghij".charAt((112 + 1) % 10);
        assertEquals(next + "" + "abcdefghij".charAt(114 % 10), sample.substring(0, 2),
                "after '" + lastTarget + "': " + sample);
    }

    @Test
    void stopOnNonFiniteEndsAtOnceAndKeepsTheLastCheckpoint() throws Exception {
        Path text = write("t.txt", "the light keeps turning through the fog. ".repeat(10));
        Path model = folder.resolve("m.gatelane");
        assertEquals(0, train(text, model, "--iterations", "10", "--on-nonfinite", "stop").exitCode());
        Checkpoint saved = Checkpoint.read(model);
        TrainingSettings settings = TrainingSettings.fromOptions(saved.settings());
        assertEquals(TrainingSettings.NonFinitePolicy.STOP, settings.onNonFinite());
    }

    @Test
    void unknownSubcommandsPointAtTheTopLevelHelp() {
        Cli result = Cli.run("trian");
        assertEquals(2, result.exitCode());
        assertTrue(result.err().contains("(see gatelane --help)"), result.err());
        assertFalse(result.err().contains("gatelane gatelane"), result.err());
    }
}
