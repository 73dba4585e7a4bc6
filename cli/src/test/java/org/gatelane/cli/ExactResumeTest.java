package org.gatelane.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.gatelane.core.Checkpoint;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A run stopped halfway and resumed computes exactly what the uninterrupted run computes, bit for bit. */
class ExactResumeTest {

    @TempDir
    Path folder;

    @ParameterizedTest
    @CsvSource({"adam, 1, 1", "rmsprop, 3, 1", "sgd, 2, 1", "adamw, 4, 2"})
    void resumedRunMatchesTheUninterruptedOne(String optimizer, int batchSize, int threads) throws Exception {
        Path text = folder.resolve("text.txt");
        Files.writeString(text, "Resuming must continue exactly where the run stopped, to the last bit. ".repeat(12),
                StandardCharsets.UTF_8);
        String[] common = {"train", "--text", text.toString(), "--hidden", "12", "--layers", "2", "--seq-length", "7",
                "--batch-size", Integer.toString(batchSize), "--optimizer", optimizer, "--lr", "0.01",
                "--lr-decay", "0.9", "--sample-every", "5", "--checkpoint-every", "15", "--val-fraction", "0.1",
                "--threads", Integer.toString(threads)};

        Path straight = folder.resolve("straight.gatelane");
        assertEquals(0, run(common, "--checkpoint", straight.toString(), "--iterations", "60").exitCode());

        Path resumed = folder.resolve("resumed.gatelane");
        assertEquals(0, run(common, "--checkpoint", resumed.toString(), "--iterations", "30").exitCode());
        Cli second = run(common, "--checkpoint", resumed.toString(), "--iterations", "60", "--resume");
        assertEquals(0, second.exitCode(), second.err());
        assertTrue(second.out().contains("resuming"), second.out());

        Checkpoint a = Checkpoint.read(straight);
        Checkpoint b = Checkpoint.read(resumed);
        assertEquals(60, b.iteration());
        assertArrayEquals(a.parameters(), b.parameters());
        for (int i = 0; i < a.optimizerState().length; i++) {
            assertArrayEquals(a.optimizerState()[i], b.optimizerState()[i]);
        }
        assertEquals(a.rngState(), b.rngState());
        List<String> straightLosses = Files.readAllLines(LossHistory.fileBeside(straight));
        List<String> resumedLosses = Files.readAllLines(LossHistory.fileBeside(resumed));
        assertEquals(straightLosses, resumedLosses);
        assertTrue(straightLosses.size() > 20, "the history holds every logged loss");
    }

    private static Cli run(String[] common, String... more) {
        String[] args = new String[common.length + more.length];
        System.arraycopy(common, 0, args, 0, common.length);
        System.arraycopy(more, 0, args, common.length, more.length);
        return Cli.run(args);
    }
}
