package org.gatelane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.gatelane.core.io.Checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ctrl-C (SIGINT) during training writes a checkpoint of where it stopped, then exits. */
class InterruptTest {

    @TempDir
    Path folder;

    @Test
    void sigintSavesACheckpointThenExits() throws Exception {
        Path text = folder.resolve("text.txt");
        Files.writeString(text, "Interrupt me and I will save my work first. ".repeat(20), StandardCharsets.UTF_8);
        Path model = folder.resolve("model.gatelane");
        Process process = Child.start("train", "--text", text.toString(), "--checkpoint", model.toString(),
                "--hidden", "8", "--seq-length", "5", "--iterations", "100000000", "--sample-every", "50",
                "--checkpoint-every", "100000000");
        StringBuilder output = new StringBuilder();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null && !line.startsWith("iter 100 ")) {
                output.append(line).append('\n');
            }
            assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor());
            java.io.StringWriter rest = new java.io.StringWriter();
            lines.transferTo(rest);
            output.append(rest);
        }
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the process exits after the interrupt");
        assertEquals(130, process.exitValue(), output.toString());
        assertTrue(output.toString().contains("interrupted at iteration"), output.toString());
        Checkpoint saved = Checkpoint.read(model);
        assertTrue(saved.run().iteration() >= 100, "the checkpoint holds the progress: iteration " + saved.run().iteration());
    }
}
