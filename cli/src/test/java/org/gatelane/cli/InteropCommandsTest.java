package org.gatelane.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.gatelane.core.io.Checkpoint;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code gatelane export} then {@code import}: the same model back, which sample and eval then use. */
class InteropCommandsTest {

    @TempDir
    Path folder;

    @ParameterizedTest
    @ValueSource(strings = {"lstm", "gru"})
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
}
