package org.gatelane.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;

import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.ParameterLayout;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.CorpusException;
import org.gatelane.core.text.Vocabulary;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corpus decoding, vocabulary and the checkpoint format. */
class TextAndCheckpointTest {

    @TempDir
    Path folder;

    @Test
    void corpusReadsCodePointsAcrossChunkBoundaries() throws IOException {
        // A four-byte emoji straddling the decoder's 64 KiB chunk boundary must stay one symbol.
        String text = "x".repeat(65_534) + "😀" + "yz" + "é";
        Path file = folder.resolve("text.txt");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        Corpus corpus = Corpus.read(file);
        assertEquals(text.codePointCount(0, text.length()), corpus.length());
        assertEquals(text, corpus.vocabulary().decode(corpus.symbols(0, corpus.length()), 0, corpus.length()));
        assertArrayEquals(new int[] {'x', 'y', 'z', 'é', 0x1F600}, corpus.vocabulary().codePoints());
    }

    @Test
    void largeVocabulariesKeepEverySymbol() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int cp = 0x4E00; cp < 0x4E00 + 300; cp++) {
            text.appendCodePoint(cp);
        }
        Path file = folder.resolve("cjk.txt");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        Corpus corpus = Corpus.read(file);
        assertEquals(300, corpus.vocabulary().size());
        assertEquals(299, corpus.symbol(299));
    }

    @Test
    void malformedUtf8NamesTheByteOffsetEvenPastTheFirstChunk() throws IOException {
        byte[] bytes = new byte[70_000];
        java.util.Arrays.fill(bytes, (byte) 'a');
        bytes[69_001] = (byte) 0xFF;
        Path file = folder.resolve("bad.txt");
        Files.write(file, bytes);
        CorpusException e = assertThrows(CorpusException.class, () -> Corpus.read(file));
        assertTrue(e.getMessage().endsWith("at byte offset 69001"), e.getMessage());
    }

    @Test
    void aTruncatedFinalSequenceIsMalformed() throws IOException {
        Path file = folder.resolve("cut.txt");
        Files.write(file, new byte[] {'o', 'k', (byte) 0xE2, (byte) 0x82});
        assertTrue(assertThrows(CorpusException.class, () -> Corpus.read(file)).getMessage().contains("byte offset 2"));
    }

    @Test
    void checkpointRoundTripsEveryField() throws IOException {
        ModelShape shape = ModelShape.characterModel(5, 6, 2);
        RecurrentModel model = RecurrentModel.initialized(shape, 9);
        RecurrentState carried = RecurrentState.zeros(shape, 3);
        carried.h(1)[4] = 0.25f;
        carried.c(0)[17] = -3f;
        float[][] optimizerState = {model.parameters().clone(), new float[model.layout().size()]};
        optimizerState[1][3] = 7f;
        RunState run = new RunState(42, optimizerState, 41, 44, 45, carried, 43L, -46L,
                new RunState.Schedule(0.25f, 1.5, 2, 3), 2.75, 12.5, 1, 1234, 0xCAFEF00DL, 77L, 41.25);
        Checkpoint written = new Checkpoint(shape, new Vocabulary(new int[] {'a', 'b', 'c', 'é', 0x1F600}),
                Map.of("optimizer", "ADAM"), model.parameters(), run);
        Path file = folder.resolve("model.gatelane");
        written.write(file);
        Checkpoint read = Checkpoint.read(file);
        assertEquals(shape, read.shape());
        assertEquals(written.vocabulary(), read.vocabulary());
        assertEquals(written.settings(), read.settings());
        assertArrayEquals(model.parameters(), read.parameters());
        RunState back = read.run();
        assertArrayEquals(optimizerState[1], back.optimizerState()[1]);
        assertEquals(41, back.optimizerStep());
        assertEquals(42, back.iteration());
        assertEquals(43L, back.sampleRngState());
        assertEquals(-46L, back.dropoutRngState());
        assertEquals(44, back.dataCursor());
        assertEquals(45, back.epoch());
        assertEquals(run.schedule(), back.schedule());
        assertEquals(2.75, back.smoothedLoss());
        assertEquals(12.5, back.trainedSeconds());
        assertEquals(1, back.rollbacks());
        assertEquals(1234, back.trainingLength());
        assertEquals(0xCAFEF00DL, back.trainingFingerprint());
        assertEquals(77L, back.validationFingerprint());
        assertEquals(41.25, back.budgetSpentSeconds());
        assertArrayEquals(carried.h(1), back.carriedState().h(1));
        assertArrayEquals(carried.c(0), back.carriedState().c(0));
        try (var files = Files.list(folder)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    /** An imported model has no run: the flag says so, and the file reads back without one. */
    @Test
    void aModelWithoutARunRoundTrips() throws IOException {
        ModelShape shape = ModelShape.characterModel(3, 4, 1);
        RecurrentModel model = RecurrentModel.initialized(shape, 3);
        Path file = folder.resolve("imported.gatelane");
        Checkpoint.modelOnly(model, new Vocabulary(new int[] {'a', 'b', 'c'}), Map.of("importedFrom", "x")).write(file);
        Checkpoint read = Checkpoint.read(file);
        assertFalse(read.resumable());
        assertArrayEquals(model.parameters(), read.parameters());
        assertEquals(Map.of("importedFrom", "x"), read.settings());
    }

    /**
     * A model with a NaN or an infinity never reaches the disk, and a file that holds one (written by hand here,
     * as an older Gatelane or a damaged disk might) is refused when read, naming the parameter.
     */
    @Test
    void nonFiniteModelsAreNeitherWrittenNorRead() throws IOException {
        ModelShape shape = ModelShape.characterModel(3, 4, 2);
        RecurrentModel model = RecurrentModel.initialized(shape, 5);
        ParameterLayout layout = model.layout();
        int at = layout.recurrentWeights(1) + 2 * shape.gateWidth() + 7;
        model.parameters()[at] = Float.NaN;
        Path file = folder.resolve("poisoned.gatelane");
        Checkpoint poisoned = Checkpoint.modelOnly(model, new Vocabulary(new int[] {'a', 'b', 'c'}), Map.of());
        CheckpointException refused = assertThrows(CheckpointException.class, () -> poisoned.write(file));
        assertEquals("refusing to write " + file + ": its model is not finite (layer 1 recurrent weights [2, 7] is "
                + "NaN)", refused.getMessage());
        assertFalse(Files.exists(file), "nothing was written");

        model.parameters()[at] = 0.5f;
        poisoned.write(file);
        byte[] bytes = Files.readAllBytes(file);
        // -Infinity where the output bias's second value is (the parameters end before the run flag and the
        // checksum), and the checksum fixed, so that only the value check can refuse it.
        int parametersEnd = bytes.length - 8 - 1;
        int value = parametersEnd - 4 * (shape.outputSize() - 1);
        java.nio.ByteBuffer.wrap(bytes, value, 4).putFloat(Float.NEGATIVE_INFINITY);
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 8);
        java.nio.ByteBuffer.wrap(bytes, bytes.length - 8, 8).putLong(crc.getValue());
        Files.write(file, bytes);
        CheckpointException unread = assertThrows(CheckpointException.class, () -> Checkpoint.read(file));
        assertEquals(file + " holds a model that is not finite (output bias [1] is -Infinity); it cannot be "
                + "sampled, scored or trained", unread.getMessage());
    }

    @Test
    void everyTruncationOfACheckpointIsRejected() throws IOException {
        ModelShape shape = ModelShape.characterModel(3, 2, 1);
        Path file = folder.resolve("small.gatelane");
        new Checkpoint(shape, new Vocabulary(new int[] {'a', 'b', 'c'}), Map.of(), new float[new ParameterLayout(shape).size()],
                FormatsAndLimitsTest.freshRun(shape)).write(file);
        byte[] bytes = Files.readAllBytes(file);
        for (int length = 0; length < bytes.length; length++) {
            Path cut = folder.resolve("cut.gatelane");
            Files.write(cut, java.util.Arrays.copyOf(bytes, length));
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(cut),
                    "truncated to " + length + " bytes");
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("not a Gatelane checkpoint"),
                    e.getMessage());
        }
    }

    @Test
    void vocabularyNamesUnknownCharacters() {
        Vocabulary vocabulary = Vocabulary.of("abc");
        assertEquals("'z' (U+007A), '€' (U+20AC)", vocabulary.describeUnknown("abzc€z"));
        assertThrows(IllegalArgumentException.class, () -> new Vocabulary(new int[] {'b', 'a'}));
    }
}
