package org.gatelane.core.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.gatelane.core.io.Checkpoint;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.text.Corpus;
import org.gatelane.kernels.Kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's batched-generation example, run on a saved model; the README holds its lines. */
class BatchedGeneratorExampleTest {

    @TempDir
    Path folder;

    @Test
    void theReadmeExampleGeneratesTwoStreamsTogether() throws IOException {
        Corpus corpus = Corpus.of("The lamp. And the sea.\n\nThe keeper. ".repeat(5));
        Path checkpoint = folder.resolve("model.gatelane");
        RecurrentModel trained = RecurrentModel.initialized(ModelShape.characterModel(corpus.vocabulary().size(), 16, 1), 3);
        Checkpoint.modelOnly(trained, corpus.vocabulary(), java.util.Map.of()).write(checkpoint);
        // README-EXAMPLE-START
        Checkpoint saved = Checkpoint.read(checkpoint);
        BatchedGenerator generator = new BatchedGenerator(saved.model(), saved.vocabulary(), Kernels.preferred(), 64);
        StringBuilder first = new StringBuilder(), second = new StringBuilder();
        generator.join(new BatchedGenerator.Request("The ", 200, 0.8f, 0, 0.95f, 1, List.of("\n\n"),
                Corpus.Unknown.ERROR), first::append);
        generator.join(BatchedGenerator.Request.of("And ", 100, 2), second::append);
        while (generator.active() > 0) {
            generator.step();                               // one character for every stream, one GEMM per layer
        }
        // README-EXAMPLE-END
        assertTrue(first.length() <= 200 && (first.length() == 200 || first.toString().endsWith("\n\n")),
                first.toString());
        assertEquals(100, second.length());
        String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
        String source = Files.readString(Path.of("src/test/java/org/gatelane/core/infer/BatchedGeneratorExampleTest.java"));
        String example = source.substring(source.indexOf("// README-EXAMPLE-START\n") + 24,
                source.indexOf("        // README-EXAMPLE-END"));
        for (String line : example.lines().toList()) {
            assertTrue(readme.contains(line.replaceFirst("^ {8}", "") + "\n"), "the README lacks: " + line);
        }
    }
}
