package org.gatelane.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.gatelane.core.io.Checkpoint;
import org.gatelane.core.io.RunState;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.train.TrainingEngine;
import org.gatelane.core.train.TrainingLoop;
import org.gatelane.core.train.TrainingSettings;
import org.gatelane.core.train.TrainingTexts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job as a user runs it: a real Spark driver in its own JVM, killed and resumed, and its refusals. */
class SparkTrainingTest {

    private static final String TEXT = "It is a truth universally acknowledged, that a single man in possession of "
            + "a good fortune, must be in want of a wife. ";

    @TempDir
    Path dir;

    private Path text() throws IOException {
        Path file = dir.resolve("text.txt");
        Files.writeString(file, TEXT.repeat(60));
        return file;
    }

    private static final List<String> CADENCE = List.of("--checkpoint-every", "10", "--log-every", "1000", "--master",
            "local[2]");
    private static final List<String> SETTINGS = List.of("--hidden", "16", "--seq-length", "10", "--batch-size", "4",
            "--stream-groups", "2");

    private static List<String> job(String... args) {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElseThrow(), "--add-modules", "jdk.incubator.vector"));
        command.addAll(List.of(System.getProperty("spark.jvm.flags", "").split(" ")).stream()
                .filter(flag -> !flag.isBlank()).toList());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), SparkTraining.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** A new run's options: the test's settings and cadence, then {@code more}. */
    private static String[] with(String... more) {
        List<String> args = new ArrayList<>(SETTINGS);
        args.addAll(CADENCE);
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** A resumed run's options: the cadence, then {@code more}; the settings are the checkpoint's. */
    private static String[] resuming(String... more) {
        List<String> args = new ArrayList<>(CADENCE);
        args.addAll(List.of(more));
        args.add("--resume");
        return args.toArray(String[]::new);
    }

    @Test
    void aKilledDriverOfTheExactSchemeResumesToSingleMachineTraining() throws Exception {
        killResumeAndCompare("0", TrainingEngine.Factory.threads(2));
    }

    @Test
    void aKilledDriverOfTheAveragingSchemeResumesToTheUninterruptedRun() throws Exception {
        killResumeAndCompare("5", ParameterAveraging.factory(LocalSpark.context(), 5, new RoundTiming()));
    }

    /**
     * Runs the job with {@code --average-every averageEvery} in a child JVM, kills it (SIGKILL) after its third
     * checkpoint, resumes it 20 iterations further, and compares the end with an uninterrupted run in this JVM that
     * trains with {@code engine}.
     */
    private void killResumeAndCompare(String averageEvery, TrainingEngine.Factory engine) throws Exception {
        Path text = text();
        Path checkpoint = dir.resolve("model.gatelane");
        Process first = new ProcessBuilder(job(with("--text", text.toString(), "--checkpoint", checkpoint.toString(),
                "--iterations", "100000", "--average-every", averageEvery))).redirectErrorStream(true).start();
        StringBuilder log = new StringBuilder();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(first.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null && !line.startsWith("30: saved")) {
                log.append(line).append('\n');
            }
            assertTrue(line != null, "the job saved iteration 30 before it ended:\n" + log);
            first.destroyForcibly(); // SIGKILL: no shutdown hook, no save
            assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        }
        long killedAt = Checkpoint.read(checkpoint).run().iteration();
        assertTrue(killedAt >= 30 && killedAt % 10 == 0, "the last checkpoint is a whole one: " + killedAt);

        long last = killedAt + 20;
        Process second = new ProcessBuilder(job(resuming("--text", text.toString(), "--checkpoint",
                checkpoint.toString(), "--iterations", Long.toString(last), "--average-every", averageEvery)))
                .redirectErrorStream(true).start();
        String resumed = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(second.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, second.exitValue(), resumed);
        Checkpoint end = Checkpoint.read(checkpoint);
        assertEquals(last, end.run().iteration(), resumed);

        // The same run, uninterrupted: the same parameters to the last bit.
        TrainingSettings settings = TrainingSettings.builder().hidden(16).seqLength(10).batchSize(4).streamGroups(2)
                .build();
        Corpus corpus = Corpus.read(text);
        TrainingTexts texts = TrainingTexts.heldOut(corpus, settings.valFraction());
        Path reference = dir.resolve("reference.gatelane");
        try (TrainingLoop loop = TrainingLoop.start(settings, texts, settings.initialModel(corpus.vocabulary().size()),
                engine)) {
            loop.run(last, new TrainingLoop.Cadence(1000, 1000, 10), reference, List.of());
        }
        Checkpoint expected = Checkpoint.read(reference);
        assertArrayEquals(expected.parameters(), end.parameters());
        RunState run = end.run();
        assertArrayEquals(expected.run().optimizerState(), run.optimizerState());
    }

    private static int runInProcess(ByteArrayOutputStream err, String... args) {
        return SparkTraining.run(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true), args);
    }

    @Test
    void badInputIsRefusedWithOneLineBeforeSparkStarts() throws IOException {
        Path checkpoint = dir.resolve("kept.gatelane");
        Files.writeString(checkpoint, "a model the user keeps");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, runInProcess(err, with("--text", text().toString(), "--checkpoint", checkpoint.toString())));
        assertTrue(err.toString().contains("already exists") && err.toString().strip().lines().count() == 2,
                "the error and where to find help: " + err);
        assertEquals("a model the user keeps", Files.readString(checkpoint));

        err.reset();
        assertEquals(1, runInProcess(err, with("--text", dir.resolve("missing.txt").toString(), "--checkpoint",
                dir.resolve("new.gatelane").toString())));
        assertEquals("gatelane-spark: " + dir.resolve("missing.txt") + " does not exist", err.toString().strip());

        err.reset();
        Path malformed = dir.resolve("bad.txt");
        Files.write(malformed, new byte[] {'a', 'b', (byte) 0xC3, '(', 'c'});
        assertEquals(1, runInProcess(err, with("--text", malformed.toString(), "--checkpoint",
                dir.resolve("new.gatelane").toString())));
        assertTrue(err.toString().startsWith("gatelane-spark: ") && err.toString().contains("UTF-8")
                && err.toString().strip().lines().count() == 1, err.toString());

        err.reset();
        assertEquals(2, runInProcess(err, resuming("--text", text().toString(), "--checkpoint", checkpoint.toString(),
                "--hidden", "32")));
        assertTrue(err.toString().contains("--hidden is the saved run's"), err.toString());

        err.reset();
        assertEquals(2, runInProcess(err, "--text", text().toString(), "--checkpoint",
                dir.resolve("new.gatelane").toString(), "--stream-groups", "9", "--batch-size", "4"));
        assertTrue(err.toString().contains("--stream-groups must be in [1, --batch-size = 4]"), err.toString());
        assertTrue(Files.notExists(dir.resolve("new.gatelane")), "nothing saved by a refused run");

        err.reset();
        assertEquals(2, runInProcess(err, "--text", text().toString(), "--checkpoint",
                dir.resolve("new.gatelane").toString(), "--checkpoint-every", "0"));
        assertTrue(err.toString().contains("--checkpoint-every must be at least 1 iteration, but was 0"),
                err.toString());
    }
}
