package org.gatelane.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

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
                "--seq-length", "8", "--iterations", "40", "--sample-every", "10", "--checkpoint-every", "20",
                "--plot", png.toString());
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("validation"), result.out());

        List<String> history = Files.readAllLines(LossHistory.fileBeside(model));
        assertEquals("iteration,kind,loss_nats", history.get(0));
        assertEquals(4, history.stream().filter(line -> line.contains(",train,")).count(), "one row per sample");
        assertEquals(2, history.stream().filter(line -> line.contains(",validation,")).count(), "one per checkpoint");
        assertTrue(Files.exists(TrainingRun.bestBeside(model)), "the best-validation model is kept beside");

        byte[] pngMagic = {(byte) 0x89, 'P', 'N', 'G'};
        assertArrayEquals(pngMagic, Arrays.copyOf(Files.readAllBytes(png), 4), "a PNG file");
    }
}
