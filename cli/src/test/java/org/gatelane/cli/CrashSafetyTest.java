package org.gatelane.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.gatelane.core.io.Checkpoint;
import org.gatelane.testing.PropertyCases;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training in a child JVM that saves after every iteration, killed with SIGKILL at seeded random moments: after
 * every kill the checkpoint on disk loads, is one of the saves the child completed, and the next child resumes
 * from it.
 */
class CrashSafetyTest {

    private static final Pattern SAVED = Pattern.compile("checkpoint iter (\\d+)");
    /** DurableFile's temporary file, {@code .NAME.DIGITS.partial}; group 1 is the name it will replace. */
    private static final Pattern PARTIAL = Pattern.compile("\\.(.+)\\.\\d+\\.partial");

    @TempDir
    Path folder;

    @Test
    void sigkillNeverLeavesABrokenCheckpoint() throws Exception {
        Path text = folder.resolve("text.txt");
        Files.writeString(text, "a kill at any moment must leave a whole model on disk. ".repeat(20),
                StandardCharsets.UTF_8);
        Path model = folder.resolve("model.gatelane");
        SplittableRandom random = new SplittableRandom(PropertyCases.BASE_SEED);
        long lastLoaded = 0;
        int kills = 0;
        for (int round = 0; round < 22; round++) {
            List<String> command = Child.command("train", "--text", text.toString(), "--checkpoint",
                    model.toString(), "--hidden", "32", "--seq-length", "10", "--iterations", "1000000",
                    "--checkpoint-every", "1", "--sample-every", "1000000", "--val-fraction", "0");
            command.add(Files.exists(model) ? "--resume" : "--force");
            Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            List<Long> completed = new ArrayList<>();
            Thread reader = Thread.ofPlatform().start(() -> readSaves(child, completed));
            long killAfter = 300 + random.nextInt(1200);
            boolean exited = child.waitFor(killAfter, TimeUnit.MILLISECONDS);
            assertTrue(!exited, "the child trains until killed; exit " + (exited ? child.exitValue() : 0));
            child.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no last save
            child.waitFor();
            reader.join();
            kills++;
            if (!Files.exists(model)) {
                assertTrue(completed.isEmpty(), "saves were reported but no file exists");
                continue;
            }
            // The run writes several files (checkpoint, loss history, plot), so a kill can leave a partial of
            // each name; what must never be is two of one name, which would mean a save left an older one behind.
            try (var files = Files.list(folder)) {
                Map<String, Long> partialsPerName = files.map(f -> PARTIAL.matcher(f.getFileName().toString()))
                        .filter(Matcher::matches)
                        .collect(Collectors.groupingBy(partial -> partial.group(1), Collectors.counting()));
                for (Map.Entry<String, Long> name : partialsPerName.entrySet()) {
                    assertTrue(name.getValue() <= 1, "round " + round + ": " + name.getValue()
                            + " temporary files of " + name.getKey() + "; a save removes its name's leftovers");
                }
            }
            Checkpoint loaded = Checkpoint.read(model);
            long iteration = loaded.run().iteration();
            long lastReported = completed.isEmpty() ? lastLoaded : completed.getLast();
            // Output is flushed in lines; the saves after the last line that arrived may be on disk too.
            assertTrue(iteration >= lastReported, "round " + round + ": loaded iteration " + iteration
                    + " is older than the last reported save " + lastReported);
            assertTrue(iteration >= lastLoaded, "never older than what an earlier round loaded");
            lastLoaded = iteration;
        }
        assertEquals(22, kills);
        assertTrue(lastLoaded > 0, "the children got far enough to save");
        Cli resumed = Cli.run("train", "--text", text.toString(), "--checkpoint", model.toString(), "--resume",
                "--iterations", Long.toString(lastLoaded + 3), "--sample-every", "1000000");
        assertEquals(0, resumed.exitCode(), resumed.err());
        Checkpoint afterKills = Checkpoint.read(model);
        assertEquals(lastLoaded + 3, afterKills.run().iteration());

        // Every save was whole and every resume exact: 22 kills later, the model is the uninterrupted run's.
        Path straight = folder.resolve("straight.gatelane");
        Cli uninterrupted = Cli.run("train", "--text", text.toString(), "--checkpoint", straight.toString(),
                "--hidden", "32", "--seq-length", "10", "--iterations", Long.toString(lastLoaded + 3),
                "--checkpoint-every", "1000000", "--sample-every", "1000000", "--val-fraction", "0");
        assertEquals(0, uninterrupted.exitCode(), uninterrupted.err());
        assertArrayEquals(Checkpoint.read(straight).parameters(), afterKills.parameters());
    }

    private static void readSaves(Process child, List<Long> completed) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                Matcher saved = SAVED.matcher(line);
                if (saved.find()) {
                    synchronized (completed) {
                        completed.add(Long.parseLong(saved.group(1)));
                    }
                }
            }
        } catch (java.io.IOException killed) {
            // The pipe closes with the child.
        }
    }
}
