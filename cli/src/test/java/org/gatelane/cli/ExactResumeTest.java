package org.gatelane.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.gatelane.core.io.Checkpoint;
import org.gatelane.core.train.LossHistory;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A run stopped halfway and resumed computes exactly what the uninterrupted run computes, bit for bit, with
 * every option that carries state (optimizers, schedules, warmup, dropout, stream groups), and whatever thread
 * counts the two halves use.
 */
class ExactResumeTest {

    @TempDir
    Path folder;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "adam    | 1 | 1 | 1 | ",
            "rmsprop | 3 | 1 | 1 | --lr-decay 0.9",
            "sgd     | 2 | 1 | 1 | --lr-schedule cosine --cosine-steps 60 --warmup 7",
            "adamw   | 4 | 2 | 1 | --lr-decay 0.9 --dropout 0.3",
            "adam    | 4 | 1 | 2 | --lr-schedule plateau --lr-decay 0.5 --patience 1 --dropout 0.2",
            "adam    | 5 | 2 | 2 | --stream-groups 3 --dropout 0.1 --forget-bias 1",
            "adam    | 5 | 1 | 2 | --dropout 0.2 --dropout-after 2"})
    void resumedRunMatchesTheUninterruptedOne(String optimizer, int batchSize, int firstThreads, int secondThreads,
                                              String extra) throws Exception {
        Path text = folder.resolve("text.txt");
        Files.writeString(text, "Resuming must continue exactly where the run stopped, to the last bit. ".repeat(12),
                StandardCharsets.UTF_8);
        List<String> common = new ArrayList<>(List.of("train", "--text", text.toString(), "--hidden", "12",
                "--layers", "2", "--seq-length", "7", "--batch-size", Integer.toString(batchSize), "--optimizer",
                optimizer, "--lr", "0.01", "--sample-every", "5", "--log-every", "5", "--checkpoint-every", "15",
                "--val-fraction", "0.1"));
        if (extra != null) {
            common.addAll(Arrays.asList(extra.split(" ")));
        }

        Path straight = folder.resolve("straight.gatelane");
        Cli whole = run(common, "--checkpoint", straight.toString(), "--iterations", "60", "--threads",
                Integer.toString(firstThreads));
        assertEquals(0, whole.exitCode(), whole.err());

        Path resumed = folder.resolve("resumed.gatelane");
        assertEquals(0, run(common, "--checkpoint", resumed.toString(), "--iterations", "30", "--threads",
                Integer.toString(firstThreads)).exitCode());
        Cli second = run(common, "--checkpoint", resumed.toString(), "--iterations", "60", "--resume", "--threads",
                Integer.toString(secondThreads));
        assertEquals(0, second.exitCode(), second.err());
        assertTrue(second.out().contains("resuming"), second.out());

        Checkpoint a = Checkpoint.read(straight);
        Checkpoint b = Checkpoint.read(resumed);
        assertEquals(60, b.run().iteration());
        assertArrayEquals(a.parameters(), b.parameters());
        for (int i = 0; i < a.run().optimizerState().length; i++) {
            assertArrayEquals(a.run().optimizerState()[i], b.run().optimizerState()[i]);
        }
        assertEquals(a.run().sampleRngState(), b.run().sampleRngState());
        List<String> straightLosses = withoutWallTime(LossHistory.fileBeside(straight));
        List<String> resumedLosses = withoutWallTime(LossHistory.fileBeside(resumed));
        assertEquals(straightLosses, resumedLosses);
        assertTrue(straightLosses.size() > 20, "the history holds every logged loss");
    }

    /** The history without its seconds column, which no two runs share. */
    private static List<String> withoutWallTime(Path csv) throws Exception {
        return Files.readAllLines(csv).stream().map(line -> line.replaceFirst(",[^,]*", "")).toList();
    }

    private static Cli run(List<String> common, String... more) {
        List<String> args = new ArrayList<>(common);
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }
}
