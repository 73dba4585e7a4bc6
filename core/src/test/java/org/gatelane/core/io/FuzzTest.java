package org.gatelane.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.CorpusException;
import org.gatelane.core.text.Vocabulary;
import org.gatelane.testing.PropertyCases;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crafted and damaged inputs: checkpoints with their checksum recomputed, so every mutant reaches the decoder,
 * and byte strings through the corpus reader. Each ends in the format's own exception or a valid result, never
 * another exception, and a checkpoint read never allocates much more than the file's length justifies.
 */
class FuzzTest {

    @TempDir
    Path folder;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Sizes a crafted count field is set to: empty, negative, the largest int and large powers of two. */
    private static final int[] HOSTILE = {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 30, 1 << 20, 65_536, 7};

    @Test
    void tenThousandCraftedCheckpointsFailCleanlyOrLoad() throws Exception {
        byte[] valid = validCheckpoint();
        int[] outcomes = new int[2];
        PropertyCases.check("checkpoint-mutants", 10_000, random -> {
            byte[] mutant = mutate(valid, random);
            try {
                Checkpoint read = Checkpoint.read(new ByteArrayInputStream(mutant), mutant.length, "mutant");
                assertEquals(read.parameters().length, read.shape().parameterCount());
                outcomes[0]++;
            } catch (CheckpointException e) {
                assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "a message");
                assertTrue(e.getMessage().startsWith("mutant ") && e.getMessage().indexOf("mutant", 1) < 0,
                        e.getMessage());
                outcomes[1]++;
            }
            // Measured on a second read: the first of a new path also loads classes and compiles.
            long before = THREADS.getCurrentThreadAllocatedBytes();
            try {
                Checkpoint.read(new ByteArrayInputStream(mutant), mutant.length, "mutant");
            } catch (CheckpointException expected) {
                // As above.
            }
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 64 * 1024 + 16L * mutant.length,
                    allocated + " bytes allocated to read " + mutant.length);
        });
        assertTrue(outcomes[1] > 5_000, "most mutants are refused: " + Arrays.toString(outcomes));
        assertTrue(outcomes[0] > 100, "mutated numbers that keep the format load: " + Arrays.toString(outcomes));
    }

    private static byte[] validCheckpoint() throws Exception {
        ModelShape shape = ModelShape.characterModel(5, 3, 2);
        RecurrentModel model = RecurrentModel.initialized(shape, 1);
        Map<String, String> options = new LinkedHashMap<>();
        options.put("optimizer", "ADAM");
        options.put("note", "naïve \u0000 😀");
        float[][] adam = {new float[shape.parameterCount()], new float[shape.parameterCount()]};
        RecurrentState carried = RecurrentState.zeros(shape, 2);
        Checkpoint checkpoint = new Checkpoint(shape, new Vocabulary(new int[] {'a', 'b', 'c', 'é', 0x1F600}), options,
                model.parameters(), new RunState(4, adam, 3, 6, 7, carried, 5, 8, new RunState.Schedule(0.5f, 2.5, 1, 2),
                1.25, 9.5, 1, 100, 0xFEDCBA98L, 0x1234L, 3.5));
        Path file = Files.createTempFile("fuzz", ".gatelane");
        try {
            checkpoint.write(file);
            return Files.readAllBytes(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** One to three mutations, then (usually) the CRC footer recomputed so the decoder sees the damage. */
    private static byte[] mutate(byte[] valid, SplittableRandom random) {
        byte[] bytes = valid.clone();
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations && bytes.length > 12; m++) {
            switch (random.nextInt(5)) {
                case 0 -> {
                    int at = 12 + random.nextInt(bytes.length - 12);
                    bytes[at] ^= (byte) (1 << random.nextInt(8));
                }
                case 1 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
                case 2 -> {
                    int at = random.nextInt(bytes.length);
                    byte[] inserted = new byte[1 + random.nextInt(8)];
                    random.nextBytes(inserted);
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    out.write(bytes, 0, at);
                    out.writeBytes(inserted);
                    out.write(bytes, at, bytes.length - at);
                    bytes = out.toByteArray();
                }
                default -> {
                    // A count field is an int; hitting one takes trying many aligned and unaligned places.
                    if (bytes.length >= 16) {
                        int at = 12 + random.nextInt(Math.min(bytes.length - 15, 200));
                        ByteBuffer.wrap(bytes).putInt(at, HOSTILE[random.nextInt(HOSTILE.length)]);
                    }
                }
            }
        }
        if (bytes.length > 20 && random.nextInt(10) > 0) {
            CRC32 crc = new CRC32();
            crc.update(bytes, 0, bytes.length - 8);
            ByteBuffer.wrap(bytes).putLong(bytes.length - 8, crc.getValue());
        }
        return bytes;
    }

    @Test
    void tenThousandByteStringsReadAsTheirStrictUtf8OrFail() throws Exception {
        byte[] text = "The keeper's log: fog, 3 knots, naïve €, 😀.\n".getBytes(StandardCharsets.UTF_8);
        Path file = folder.resolve("fuzz.txt");
        PropertyCases.check("corpus-bytes", 10_000, random -> {
            byte[] bytes;
            if (random.nextBoolean()) {
                bytes = new byte[random.nextInt(40)];
                random.nextBytes(bytes);
            } else {
                bytes = text.clone();
                for (int m = random.nextInt(4); m > 0; m--) {
                    bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
                }
                if (random.nextInt(4) == 0) {
                    bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
                }
                if (random.nextInt(4) == 0) {
                    byte[] marked = new byte[bytes.length + 3];
                    marked[0] = (byte) 0xEF;
                    marked[1] = (byte) 0xBB;
                    marked[2] = (byte) 0xBF;
                    System.arraycopy(bytes, 0, marked, 3, bytes.length);
                    bytes = marked;
                }
            }
            Files.write(file, bytes);
            String expected = strictUtf8(bytes);
            if (expected != null && expected.startsWith("\uFEFF")) {
                expected = expected.substring(1);
            }
            try {
                Corpus corpus = Corpus.read(file);
                assertTrue(expected != null && !expected.isEmpty(), "read what is not valid, non-empty UTF-8");
                assertEquals(expected, corpus.vocabulary().decode(corpus.symbols(0, corpus.length()), 0,
                        corpus.length()));
            } catch (CorpusException e) {
                assertTrue(expected == null || expected.isEmpty(), "refused valid UTF-8: " + e.getMessage());
                assertTrue(e.getMessage().contains("UTF-8") || e.getMessage().contains("empty"), e.getMessage());
            }
        });
    }

    /** Java's strict decoder as the oracle, or null where it refuses the bytes. */
    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
