package org.gatelane.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.gatelane.core.train.LossHistory;
import org.gatelane.core.train.TrainingLoop;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loss history CSV beside the checkpoint, the best-validation model, and the --plot PNG. */
class PlotTest {

    @TempDir
    Path folder;

    @Test
    void trainingWritesHistoryBestModelAndPlot() throws Exception {
        Path text = folder.resolve("text.txt");
        Files.writeString(text, "plot the loss as it falls, and keep the best model. ".repeat(12), StandardCharsets.UTF_8);
        Path model = folder.resolve("model.gatelane");
        Path png = folder.resolve("loss.png");
        Cli result = Cli.run("train", "--text", text.toString(), "--checkpoint", model.toString(), "--hidden", "16",
                "--seq-length", "8", "--iterations", "40", "--sample-every", "100000", "--log-every", "10",
                "--checkpoint-every", "20", "--plot", png.toString(), "--plot-x", "time");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("validation"), result.out());

        List<String> history = Files.readAllLines(LossHistory.fileBeside(model));
        assertEquals("iteration,seconds,kind,loss_nats", history.get(0));
        assertEquals(4, history.stream().filter(line -> line.contains(",train,")).count(),
                "one row per --log-every, whatever --sample-every says");
        double[] seconds = history.stream().skip(1).mapToDouble(line -> Double.parseDouble(line.split(",")[1]))
                .toArray();
        for (int i = 1; i < seconds.length; i++) {
            assertTrue(seconds[i] >= seconds[i - 1] && seconds[i] > 0, "wall time grows: " + history);
        }
        assertEquals(2, history.stream().filter(line -> line.contains(",validation,")).count(), "one per checkpoint");
        assertTrue(Files.exists(TrainingLoop.bestBeside(model)), "the best-validation model is kept beside");

        byte[] pngMagic = {(byte) 0x89, 'P', 'N', 'G'};
        assertArrayEquals(pngMagic, Arrays.copyOf(Files.readAllBytes(png), 4), "a PNG file");
    }
}
