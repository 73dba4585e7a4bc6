package org.gatelane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.gatelane.core.io.Checkpoint;
import org.gatelane.core.train.LossHistory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A second process on a checkpoint that a training process holds is refused, naming the holder. */
class ConcurrentRunsCliTest {

    @TempDir
    Path folder;

    @Test
    void aSecondProcessOnAHeldCheckpointIsRefusedInOneLineAndWritesNothing() throws Exception {
        Path text = folder.resolve("text.txt");
        Files.writeString(text, "one run at a time writes a checkpoint. ".repeat(20), StandardCharsets.UTF_8);
        Path model = folder.resolve("m.gatelane");
        Process holder = Child.start("train", "--text", text.toString(), "--checkpoint", model.toString(),
                "--hidden", "8", "--seq-length", "5", "--iterations", "100000000", "--checkpoint-every", "20",
                "--sample-every", "100000000", "--log-every", "10");
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(holder.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line = lines.readLine();
            while (line != null && !line.startsWith("checkpoint iter 20 ")) {
                line = lines.readLine();
            }
            assertTrue(line != null, "the holder saved once");
            Cli second = Cli.run("train", "--text", text.toString(), "--checkpoint", model.toString(), "--force",
                    "--hidden", "8", "--seq-length", "5", "--iterations", "40", "--checkpoint-every", "20",
                    "--log-every", "10");
            assertEquals(1, second.exitCode(), second.out());
            assertEquals(1, second.err().lines().count(), second.err());
            assertTrue(second.err().startsWith("gatelane: " + model + " is in use by another run (pid " + holder.pid()
                    + ", since "), second.err());
            assertTrue(holder.isAlive(), "the holder goes on");
            holder.destroy(); // SIGTERM: the holder saves and exits
            assertTrue(holder.waitFor(60, TimeUnit.SECONDS));
        } finally {
            holder.destroyForcibly();
        }
        // Only the holder's rows: a second run would have started again from iteration 10.
        List<Long> logged = Files.readAllLines(LossHistory.fileBeside(model)).stream()
                .filter(row -> row.contains(",train,")).map(row -> Long.parseLong(row.split(",")[0])).toList();
        for (int i = 0; i < logged.size(); i++) {
            assertEquals(10L * (i + 1), logged.get(i), "row " + i + " of " + logged);
        }
        long saved = Checkpoint.read(model).run().iteration();
        Cli after = Cli.run("train", "--text", text.toString(), "--checkpoint", model.toString(), "--resume",
                "--iterations", Long.toString(saved + 1));
        assertEquals(0, after.exitCode(), "the holder's lock died with it: " + after.err());
    }
}
