package org.gatelane.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.gatelane.core.infer.Evaluation;
import org.gatelane.core.io.Checkpoint;
import org.gatelane.core.text.Corpus;

import org.junit.jupiter.api.Test;

/**
 * The README's training-loop example, run on a small text in a temporary folder: the lines between the markers
 * are the README's, and {@link #theReadmeShowsThisCode} holds the two to each other.
 */
class TrainingLoopExampleTest {

    @Test
    void theReadmeExampleTrainsValidatesAndStopsEarly() throws IOException {
        Path folder = Files.createTempDirectory("readme-loop");
        // The held-out tail says the training words in another order: once the model has learned the training
        // text by heart, it scores worse there, and early stopping ends the run.
        Files.writeString(folder.resolve("input.txt"), "the light keeps turning through the fog. ".repeat(54)
                + "the fog keeps turning through the light. ".repeat(6));
        runExample(folder);
        Checkpoint saved = Checkpoint.read(folder.resolve("model.gatelane"));
        Checkpoint best = Checkpoint.read(folder.resolve("model.gatelane.best"));
        assertTrue(saved.run().iteration() < 2_000, "early stopping ended the run at " + saved.run().iteration());
        assertTrue(best.run().iteration() < saved.run().iteration(), "the best model came before the end");
        List<String> history = Files.readAllLines(folder.resolve("model.gatelane.csv"));
        assertEquals(LossHistory.HEADER, history.getFirst());
        double[] validations = history.stream().filter(line -> line.contains(",validation,"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(',') + 1))).toArray();
        assertTrue(validations.length >= 4, "three validations without improvement after the best: " + history);
        assertEquals(best.run().schedule().bestValidation(), Arrays.stream(validations).min().orElseThrow(),
                1e-6, "the .best file holds the best validation");
        double guessing = Math.log(best.vocabulary().size());
        assertTrue(best.run().schedule().bestValidation() < guessing - 0.5, "it learned more than the uniform guess "
                + guessing + ": " + history);
    }

    /** The README's code with its two paths resolved in {@code base}. */
    private static void runExample(Path base) throws IOException {
        // README-EXAMPLE-START
        Corpus text = Corpus.read(base.resolve("input.txt"));
        TrainingTexts texts = TrainingTexts.heldOut(text, 0.1);          // the last 10 % validates
        TrainingSettings settings = TrainingSettings.builder()           // gatelane train's defaults, then these
                .hidden(128).seqLength(50).batchSize(8).learningRate(0.005f).earlyStop(3).build();
        Path checkpoint = base.resolve("model.gatelane");                // the best model goes to model.gatelane.best
        TrainingListener report = new TrainingListener() {
            @Override
            public void validated(long iteration, double seconds, Evaluation score, boolean best) {
                System.out.printf("%d: %.3f bits/char%s%n", iteration, score.bitsPerSymbol(), best ? " (best)" : "");
            }
        };
        try (TrainingLoop loop = TrainingLoop.start(settings, texts, settings.initialModel(text.vocabulary().size()), 1)) {
            TrainingLoop.Outcome outcome = loop.run(2_000, new TrainingLoop.Cadence(500, 100, 100), checkpoint,
                    List.of(report, LossHistory.replacing(LossHistory.fileBeside(checkpoint))));
            System.out.println(outcome + " at iteration " + loop.iteration());
        }
        // README-EXAMPLE-END
    }

    /** The example's lines, but for the folder the test resolves its files in, stand in the README. */
    @Test
    void theReadmeShowsThisCode() throws IOException {
        String source = Files.readString(Path.of("src/test/java/org/gatelane/core/train/TrainingLoopExampleTest.java"),
                StandardCharsets.UTF_8);
        String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
        String example = source.substring(source.indexOf("// README-EXAMPLE-START\n") + 24,
                source.indexOf("        // README-EXAMPLE-END"));
        for (String line : example.lines().toList()) {
            String expected = line.replaceFirst("^ {8}", "").replace("base.resolve(\"input.txt\")",
                    "Path.of(\"input.txt\")").replace("base.resolve(\"model.gatelane\");                ",
                    "Path.of(\"model.gatelane\");                     ");
            assertTrue(readme.contains(expected + "\n"), "the README lacks the example's line: " + expected);
        }
    }
}
