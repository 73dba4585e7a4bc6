package org.gatelane.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.gatelane.core.io.Checkpoint;
import org.gatelane.interop.Safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code gatelane export} then {@code import}: the same model back, which sample and eval then use. */
class InteropCommandsTest {

    @TempDir
    Path folder;

    @ParameterizedTest
    @ValueSource(strings = {"lstm", "gru", "rnn"})
    void exportImportSampleAndEval(String cell) throws Exception {
        Path text = folder.resolve("text.txt");
        Files.writeString(text, "a model that travels to PyTorch and back. ".repeat(10), StandardCharsets.UTF_8);
        Path model = folder.resolve("m.gatelane");
        assertEquals(0, Cli.run("train", "--text", text.toString(), "--checkpoint", model.toString(), "--hidden", "12",
                "--layers", "2", "--cell", cell, "--seq-length", "8", "--iterations", "20", "--sample-every", "1000").exitCode());

        Path weights = folder.resolve("m.safetensors");
        Cli exported = Cli.run("export", "--model", model.toString(), "--to", weights.toString());
        assertEquals(0, exported.exitCode(), exported.err());
        Path back = folder.resolve("back.gatelane");
        Cli imported = Cli.run("import", "--from", weights.toString(), "--out", back.toString());
        assertEquals(0, imported.exitCode(), imported.err());
        assertTrue(imported.out().contains("2-layer " + cell.toUpperCase(java.util.Locale.ROOT) + ", H=12"),
                imported.out());
        assertArrayEquals(Checkpoint.read(model).parameters(), Checkpoint.read(back).parameters());
        assertEquals(Checkpoint.read(model).vocabulary(), Checkpoint.read(back).vocabulary());

        Cli original = Cli.run("eval", "--model", model.toString(), "--text", text.toString());
        Cli roundTrip = Cli.run("eval", "--model", back.toString(), "--text", text.toString());
        assertEquals(original.out().replace(model.toString(), ""), roundTrip.out().replace(back.toString(), ""));
        Cli sample = Cli.run("sample", "--model", back.toString(), "--prime", "a model", "--length", "30");
        assertEquals(0, sample.exitCode(), sample.err());
        assertTrue(sample.out().startsWith("a model"), sample.out());

        Cli refused = Cli.run("import", "--from", text.toString(), "--out", folder.resolve("x.gatelane").toString());
        assertEquals(1, refused.exitCode());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertTrue(refused.err().contains("header length"), refused.err());
        Cli exists = Cli.run("export", "--model", model.toString(), "--to", weights.toString());
        assertTrue(exists.err().contains("already exists"), exists.err());
    }

    /** A NaN in a model file stops import, and nothing is written: no model that is not finite reaches the disk. */
    @Test
    void aPoisonedModelFileIsRefusedAtImport() throws Exception {
        Path text = folder.resolve("text.txt");
        Files.writeString(text, "poison stays out of the model. ".repeat(10), StandardCharsets.UTF_8);
        Path model = folder.resolve("m.gatelane");
        assertEquals(0, Cli.run("train", "--text", text.toString(), "--checkpoint", model.toString(), "--hidden", "6",
                "--seq-length", "8", "--iterations", "4", "--sample-every", "1000").exitCode());
        Path weights = folder.resolve("m.safetensors");
        assertEquals(0, Cli.run("export", "--model", model.toString(), "--to", weights.toString()).exitCode());
        Safetensors clean = Safetensors.read(weights);
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>(clean.tensors());
        Safetensors.Tensor head = tensors.get("head.weight");
        float[] values = head.values().clone();
        values[0] = Float.NaN;
        tensors.put("head.weight", new Safetensors.Tensor(head.shape(), values));
        Path poisoned = folder.resolve("poisoned.safetensors");
        new Safetensors(tensors, clean.metadata()).write(poisoned);
        Path out = folder.resolve("imported.gatelane");
        Cli refused = Cli.run("import", "--from", poisoned.toString(), "--out", out.toString());
        assertEquals(1, refused.exitCode());
        assertEquals("gatelane: tensor head.weight holds NaN at [0, 0]; a model must be finite", refused.err().strip());
        assertTrue(Files.notExists(out));
    }
}
