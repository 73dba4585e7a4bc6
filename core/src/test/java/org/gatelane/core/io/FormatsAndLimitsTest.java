package org.gatelane.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;

import org.gatelane.core.infer.Sampler;
import org.gatelane.core.model.Cell;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RandomModels;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.model.Rng;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.CorpusException;
import org.gatelane.core.text.Vocabulary;
import org.gatelane.core.train.Optimizer;
import org.gatelane.core.train.Trainer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Checkpoint strings and old versions, byte-order marks, unknown characters, size limits, sharing a model. */
class FormatsAndLimitsTest {

    @TempDir
    Path folder;

    private static Checkpoint small(Map<String, String> options) {
        ModelShape shape = ModelShape.characterModel(3, 2, 1);
        return new Checkpoint(shape, new Vocabulary(new int[] {'a', 'b', 'c'}), options,
                RecurrentModel.initialized(shape, 1).parameters(), freshRun(shape));
    }

    /** A run that has not begun: no optimizer state, nothing validated. */
    static RunState freshRun(ModelShape shape) {
        return new RunState(0, new float[0][], 0, 0, 0, RecurrentState.zeros(shape, 1), 0, 0, RunState.Schedule.START,
                Double.NaN, 0, 0, RunState.UNRECORDED, RunState.UNRECORDED, RunState.UNRECORDED, 0);
    }

    @Test
    void optionStringsRoundTripWhateverTheyHold() throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("nul", "a\u0000b");
        options.put("beyond the BMP", "😀 𝄞");
        options.put("long", "x".repeat(70_000));
        options.put("", "");
        Path file = folder.resolve("strings.gatelane");
        small(options).write(file);
        assertEquals(options, Checkpoint.read(file).settings());
    }

    /**
     * Files in formats 1 (strings in Java's modified UTF-8) and 2 (strings as a length and UTF-8, no cell), written
     * here byte by byte from their definitions, read as LSTMs.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void formatsOneAndTwoStillReadAsLstms(int version) throws Exception {
        Checkpoint current = small(Map.of("optimizer", "ADAM", "note", "é"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write("GATELANE".getBytes(StandardCharsets.US_ASCII));
        out.writeInt(version);
        ModelShape shape = current.shape();
        out.writeInt(shape.inputSize());
        out.writeInt(shape.hiddenSize());
        out.writeInt(shape.layers());
        out.writeInt(shape.outputSize());
        out.writeBoolean(true);
        out.writeInt(3);
        for (int cp : new int[] {'a', 'b', 'c'}) {
            out.writeInt(cp);
        }
        out.writeInt(current.settings().size());
        for (Map.Entry<String, String> option : current.settings().entrySet()) {
            for (String string : new String[] {option.getKey(), option.getValue()}) {
                if (version == 1) {
                    out.writeUTF(string);
                } else {
                    byte[] utf8 = string.getBytes(StandardCharsets.UTF_8);
                    out.writeInt(utf8.length);
                    out.write(utf8);
                }
            }
        }
        out.writeInt(current.parameters().length);
        for (float p : current.parameters()) {
            out.writeFloat(p);
        }
        out.writeInt(0);
        out.writeLong(11);
        out.writeLong(12);
        out.writeLong(13);
        out.writeInt(14);
        out.writeLong(15);
        out.writeInt(1);
        for (int i = 0; i < 2; i++) {
            out.writeInt(2);
            out.writeFloat(0.5f);
            out.writeFloat(-0.5f);
        }
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        out.writeLong(crc.getValue());
        Path file = folder.resolve("v" + version + ".gatelane");
        Files.write(file, bytes.toByteArray());

        Checkpoint read = Checkpoint.read(file);
        assertEquals(Cell.LSTM, read.shape().cell());
        assertEquals(current.settings(), read.settings());
        assertArrayEquals(current.parameters(), read.parameters());
        assertEquals(12, read.run().iteration());
        assertEquals(11, read.run().optimizerStep());
        assertEquals(13, read.run().sampleRngState());
        assertEquals(14, read.run().dataCursor());
        assertEquals(15, read.run().epoch());
        assertArrayEquals(new float[] {0.5f, -0.5f}, read.run().carriedState().c(0));
    }

    @Test
    void aGruCheckpointRoundTripsWithItsCellAndAnUnknownCellIsCorrupt() throws Exception {
        ModelShape shape = ModelShape.characterModel(3, 5, 2).withCell(Cell.GRU);
        RecurrentModel model = RecurrentModel.initialized(shape, 7);
        Checkpoint gru = new Checkpoint(shape, new Vocabulary(new int[] {'a', 'b', 'c'}), Map.of(), model.parameters(),
                freshRun(shape));
        Path file = folder.resolve("gru.gatelane");
        gru.write(file);
        Checkpoint read = Checkpoint.read(file);
        assertEquals(shape, read.shape());
        assertArrayEquals(model.parameters(), read.parameters());

        // The cell's id follows the shape's five fields: rename it, keep the length, fix the checksum.
        byte[] bytes = Files.readAllBytes(file);
        int at = 8 + 4 + 4 * 4 + 1 + 4;
        assertEquals("gru", new String(bytes, at, 3, StandardCharsets.US_ASCII));
        bytes[at] = 'x';
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 8);
        java.nio.ByteBuffer.wrap(bytes, bytes.length - 8, 8).putLong(crc.getValue());
        Files.write(file, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(file));
        assertTrue(e.getMessage().contains("unknown cell 'xru'"), e.getMessage());
    }

    @Test
    void aByteOrderMarkIsNotASymbol() throws Exception {
        Path file = folder.resolve("bom.txt");
        byte[] text = "0123456789".getBytes(StandardCharsets.UTF_8);
        byte[] marked = new byte[text.length + 3];
        marked[0] = (byte) 0xEF;
        marked[1] = (byte) 0xBB;
        marked[2] = (byte) 0xBF;
        System.arraycopy(text, 0, marked, 3, text.length);
        Files.write(file, marked);
        Corpus corpus = Corpus.read(file);
        assertEquals(10, corpus.length());
        assertEquals(10, corpus.vocabulary().size());
        assertEquals(10, Corpus.of("\uFEFF0123456789").vocabulary().size());
        assertEquals(11, Corpus.of("0123456789\uFEFF").vocabulary().size(), "only a leading mark is a signature");
    }

    @Test
    void unknownCharactersAreNamedOrSkipped() throws Exception {
        Vocabulary vocabulary = Vocabulary.of("abc ");
        Path file = folder.resolve("new.txt");
        Files.writeString(file, "abc! cab?", StandardCharsets.UTF_8);
        CorpusException e = assertThrows(CorpusException.class, () -> Corpus.read(file, vocabulary));
        assertTrue(e.getMessage().contains("'!' (U+0021), '?' (U+003F)"), e.getMessage());
        Corpus skipped = Corpus.read(file, vocabulary, Corpus.Unknown.SKIP);
        assertEquals(vocabulary, skipped.vocabulary());
        assertEquals("abc cab", vocabulary.decode(skipped.symbols(0, skipped.length()), 0, skipped.length()));
        assertEquals("abc cab", vocabulary.decode(Corpus.of("abc! cab?", vocabulary, Corpus.Unknown.SKIP)
                .symbols(0, 7), 0, 7));
        Files.writeString(file, "!?", StandardCharsets.UTF_8);
        assertThrows(CorpusException.class, () -> Corpus.read(file, vocabulary, Corpus.Unknown.SKIP));
    }

    @Test
    void shapesBeyondOneArrayAreRefusedBeforeAllocating() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelShape.characterModel(43, 100_000, 1));
        assertTrue(e.getMessage().contains("160.0 GB") && e.getMessage().contains("40017600000 parameters")
                || e.getMessage().contains("parameters ("), e.getMessage());
        ModelShape wide = ModelShape.characterModel(43, 20_000, 1);
        IllegalArgumentException heap = assertThrows(IllegalArgumentException.class, () -> Trainer.requireHeap(wide,
                Optimizer.Kind.ADAM, Trainer.Batching.of(100, 32), 0));
        java.util.regex.Matcher needs = java.util.regex.Pattern.compile("needs ([0-9.]+) GB of heap")
                .matcher(heap.getMessage());
        assertTrue(needs.find(), heap.getMessage());
        // At least the parameters, their gradients and Adam's two moments: four arrays of 4-byte floats.
        assertTrue(Double.parseDouble(needs.group(1)) * 1e9 >= 16.0 * wide.parameterCount(), heap.getMessage());
        // 4·(1 + 20,001 + 43)·20,000 ... the exact count, so the check is computed without overflow.
        assertEquals(4L * 20_000 * (43 + 20_000 + 1) + 20_000L * 43 + 43, wide.parameterCount());
    }

    @Test
    void streamsCopyBetweenStatesOfDifferentWidths() {
        RecurrentState wide = new RecurrentState(2, 4, 3);
        for (int l = 0; l < 2; l++) {
            for (int i = 0; i < 12; i++) {
                wide.h(l)[i] = 100 * l + i;
                wide.c(l)[i] = -(100 * l + i);
            }
        }
        RecurrentState narrow = new RecurrentState(2, 2, 3);
        RecurrentState.copyStreams(wide, 1, narrow, 0, 2);
        assertArrayEquals(new float[] {3, 4, 5, 6, 7, 8}, narrow.h(0));
        assertArrayEquals(new float[] {-103, -104, -105, -106, -107, -108}, narrow.c(1));
        assertThrows(IllegalArgumentException.class, () -> RecurrentState.copyStreams(wide, 3, narrow, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> RecurrentState.copyStreams(wide, 0, narrow, 1, 2));
        assertThrows(IllegalArgumentException.class,
                () -> RecurrentState.copyStreams(wide, 0, new RecurrentState(2, 2, 4), 0, 1));
    }

    /** One model, many samplers, many threads: each sampler draws what it draws alone. */
    @Test
    void samplersOfOneModelRunConcurrently() throws Exception {
        RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(20, 48, 2), 4);
        int threads = 8;
        List<String> alone = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            alone.add(draw(model, t));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 5; round++) {
                List<Future<String>> together = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int seed = t;
                    together.add(pool.submit(() -> draw(model, seed)));
                }
                for (int t = 0; t < threads; t++) {
                    assertEquals(alone.get(t), together.get(t).get(), "sampler " + t + ", round " + round);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String draw(RecurrentModel model, long seed) {
        Sampler sampler = new Sampler(model, RandomModels.VECTOR);
        Rng rng = new Rng(seed);
        StringBuilder symbols = new StringBuilder();
        int symbol = (int) seed % 20;
        for (int i = 0; i < 2_000; i++) {
            symbol = sampler.draw(sampler.feed(symbol), 1f, 0, 1f, rng);
            symbols.append((char) ('A' + symbol));
        }
        return symbols.toString();
    }
}
