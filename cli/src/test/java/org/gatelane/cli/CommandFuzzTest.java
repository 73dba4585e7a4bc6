package org.gatelane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.gatelane.testing.PropertyCases;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Random combinations of training options, sensible and not: each run succeeds, or fails with one clean line. */
class CommandFuzzTest {

    @TempDir
    Path folder;

    private static final Map<String, String[]> VALUES = new LinkedHashMap<>();

    static {
        VALUES.put("--hidden", new String[] {"4", "0", "-1", "x", "100000"});
        VALUES.put("--layers", new String[] {"1", "2", "0"});
        VALUES.put("--cell", new String[] {"lstm", "gru", "GRU", "rnn", ""});
        VALUES.put("--seq-length", new String[] {"3", "0", "-2", "2147483647"});
        VALUES.put("--batch-size", new String[] {"1", "2", "3", "0", "99999"});
        VALUES.put("--optimizer", new String[] {"adam", "sgd", "rmsprop", "nope"});
        VALUES.put("--lr", new String[] {"0.01", "0", "NaN", "20", "-1"});
        VALUES.put("--lr-schedule", new String[] {"constant", "step", "cosine", "cooldown", "plateau", "wave"});
        VALUES.put("--lr-decay", new String[] {"0.5", "1", "2", "0"});
        VALUES.put("--warmup", new String[] {"0", "3", "-1"});
        VALUES.put("--patience", new String[] {"1", "0"});
        VALUES.put("--early-stop", new String[] {"0", "1", "-1"});
        VALUES.put("--clip", new String[] {"0", "5", "-1", "Infinity"});
        VALUES.put("--dropout", new String[] {"0", "0.5", "1", "-0.1"});
        VALUES.put("--dropout-after", new String[] {"0", "2", "-1"});
        VALUES.put("--val-fraction", new String[] {"0", "0.1", "0.9"});
        VALUES.put("--threads", new String[] {"1", "2", "0"});
        VALUES.put("--stream-groups", new String[] {"1", "2", "5", "0"});
        VALUES.put("--forget-bias", new String[] {"1", "1e9"});
        VALUES.put("--on-nonfinite", new String[] {"stop", "rollback", "maybe"});
        VALUES.put("--plot-x", new String[] {"time", "iteration", "z"});
        VALUES.put("--seed", new String[] {"1", "-5", "abc"});
        VALUES.put("--log-every", new String[] {"1", "0"});
        VALUES.put("--epochs", new String[] {"1", "0"});
        VALUES.put("--cosine-steps", new String[] {"5", "0"});
        VALUES.put("--iterations", new String[] {"3", "0", "-1", "9223372036854775807x"});
        VALUES.put("--unknown", new String[] {"skip", "error", "ignore"});
    }

    @Test
    void randomOptionCombinationsSucceedOrFailInOneLine() throws Exception {
        Path text = folder.resolve("text.txt");
        Files.writeString(text, "a short text for many odd runs, over and over. ".repeat(8), StandardCharsets.UTF_8);
        List<String> names = new ArrayList<>(VALUES.keySet());
        int[] outcomes = new int[2];
        PropertyCases.check("command-options", 150, random -> {
            List<String> args = new ArrayList<>(List.of("train", "--text", text.toString(), "--checkpoint",
                    folder.resolve("m.gatelane").toString(), "--force", "--sample-every", "2",
                    "--checkpoint-every", "2"));
            List<String> chosen = new ArrayList<>(names);
            java.util.Collections.shuffle(chosen, new java.util.Random(random.nextLong()));
            boolean hasIterations = false;
            for (String option : chosen.subList(0, 1 + random.nextInt(6))) {
                String[] values = VALUES.get(option);
                args.add(option);
                args.add(values[random.nextInt(values.length)]);
                hasIterations |= option.equals("--iterations") || option.equals("--epochs");
            }
            if (!hasIterations) {
                args.addAll(List.of("--iterations", "3"));
            }
            Cli result = Cli.run(args.toArray(String[]::new));
            String err = result.err().strip();
            if (result.exitCode() == 0) {
                outcomes[0]++;
            } else {
                outcomes[1]++;
                assertEquals(1, err.lines().count(), String.join(" ", args) + " -> " + err);
                assertTrue(err.startsWith("gatelane: "), err);
                assertFalse(err.contains("Exception") || err.contains("\tat "), err);
            }
        });
        assertTrue(outcomes[0] > 10 && outcomes[1] > 10, "both outcomes occur: " + java.util.Arrays.toString(outcomes));
    }
}
