package org.gatelane.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.gatelane.testing.PropertyCases;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The safetensors reader follows the format strictly: each name once, tensors covering the data with no gap and
 * nothing after, a UTF-8 header of strict JSON; every refusal one line that names its reason. And a fuzzer: ten
 * thousand damaged files, each read or refused with one such line, never another exception.
 */
class SafetensorsStrictTest {

    private static final String A = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
    private static final String B = "\"b\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[8,12]}";

    @TempDir
    Path folder;

    private static byte[] file(String header, int dataBytes) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length)
                .put(json).array();
    }

    private static String refusal(byte[] bytes) {
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> Safetensors.read(new ByteArrayInputStream(bytes), bytes.length, "f"));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void aWellFormedFileReads() throws IOException {
        byte[] good = file("{" + A + "," + B + ",\"__metadata__\":{\"k\":\"v\"}}   ", 12);
        Safetensors read = Safetensors.read(new ByteArrayInputStream(good), good.length, "f");
        assertEquals(2, read.tensors().size());
        assertEquals(Map.of("k", "v"), read.metadata());
    }

    @Test
    void everyBreachOfTheFormatIsRefusedWithItsReason() {
        assertEquals("f: the header names a twice", refusal(file("{" + A + "," + A + "}", 8)));
        assertEquals("f: __metadata__ names k twice",
                refusal(file("{" + A + ",\"__metadata__\":{\"k\":\"v\",\"k\":\"w\"}}", 8)));
        assertEquals("f: bytes 8 to 10 belong to no tensor (a gap before b)",
                refusal(file("{" + A + "," + B.replace("[8,12]", "[10,14]") + "}", 14)));
        assertEquals("f: the last 4 bytes belong to no tensor", refusal(file("{" + A + "}", 12)));
        assertEquals("f: bytes 0 to 4 belong to no tensor (a gap before a)",
                refusal(file("{" + A.replace("[0,8]", "[4,12]") + "}", 12)));
        byte[] latin1 = file("{" + A + ",\"__metadata__\":{\"k\":\"caf\u00e9\"}}", 8);
        int at = new String(latin1, StandardCharsets.ISO_8859_1).indexOf("caf") + 3;
        latin1[at] = (byte) 0xE9; // é as Latin-1 writes it: in UTF-8 a lead byte whose continuation is missing
        assertEquals("f: the header is not valid UTF-8", refusal(latin1));
        String notJson = refusal(file("{a:1}", 0));
        assertTrue(notJson.startsWith("f: the header is not valid JSON ("), notJson);
        assertTrue(refusal(file("{" + A.replace("\"dtype\"", "dtype") + "}", 8)).startsWith(
                "f: the header is not valid JSON ("), "strict inside a tensor's entry too");
        assertEquals("f: the header has more after its JSON object", refusal(file("{" + A + "} {}", 8)));
        assertEquals("f: the header is not a JSON object", refusal(file("[1, 2]", 0)));
    }

    @Test
    void aHeaderOverTheCapIsRefusedForThatReason() {
        byte[] prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(200_000_000L).array();
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> Safetensors.read(new ByteArrayInputStream(prefix), 300_000_000L, "f"));
        assertEquals("f: the header length 200000000 is over the 100000000 bytes this reader accepts", e.getMessage());
    }

    @Test
    void tenThousandDamagedFilesAreReadOrRefusedInOneLine() throws IOException {
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("rnn.weight_ih_l0", new Safetensors.Tensor(new int[] {8, 5}, new float[40]));
        tensors.put("rnn.bias_ih_l0", new Safetensors.Tensor(new int[] {8}, new float[8]));
        tensors.put("head.weight", new Safetensors.Tensor(new int[] {5, 2}, new float[10]));
        Path valid = folder.resolve("valid.safetensors");
        new Safetensors(tensors, Map.of("gatelane.vocabulary", "abcde")).write(valid);
        byte[] bytes = Files.readAllBytes(valid);
        int[] outcomes = new int[2];
        PropertyCases.check("safetensors-mutants", 10_000, random -> {
            byte[] mutant = mutate(bytes, random);
            try {
                Safetensors read = Safetensors.read(new ByteArrayInputStream(mutant), mutant.length, "mutant");
                long covered = 0;
                for (Safetensors.Tensor tensor : read.tensors().values()) {
                    covered += tensor.values().length;
                }
                assertTrue(4 * covered <= mutant.length, "the tensors fit in the file");
                outcomes[0]++;
            } catch (SafetensorsException e) {
                assertTrue(e.getMessage().startsWith("mutant") && e.getMessage().lines().count() == 1, e.getMessage());
                outcomes[1]++;
            }
        });
        assertTrue(outcomes[1] > 5_000, "most mutants are refused: " + Arrays.toString(outcomes));
        assertTrue(outcomes[0] > 50, "mutants that keep the format read: " + Arrays.toString(outcomes));
    }

    /** One or two damages: a header byte changed, bytes cut or appended, the length field or a number rewritten. */
    private static byte[] mutate(byte[] valid, SplittableRandom random) {
        byte[] mutant = valid.clone();
        int headerLength = (int) ByteBuffer.wrap(valid, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        for (int damage = 1 + random.nextInt(2); damage > 0; damage--) {
            switch (random.nextInt(6)) {
                case 0 -> mutant[8 + random.nextInt(Math.min(headerLength, mutant.length - 8))] =
                        (byte) random.nextInt(256);
                case 1 -> mutant = Arrays.copyOf(mutant, random.nextInt(mutant.length));
                case 2 -> mutant = Arrays.copyOf(mutant, mutant.length + 1 + random.nextInt(9));
                case 3 -> ByteBuffer.wrap(mutant, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(
                        random.nextBoolean() ? random.nextLong() : headerLength + random.nextInt(-4, 5));
                case 4 -> mutant = replaceDigit(mutant, headerLength, random);
                default -> mutant[random.nextInt(mutant.length)] ^= (byte) (1 << random.nextInt(8));
            }
            if (mutant.length <= 8) {
                return mutant;
            }
        }
        return mutant;
    }

    /** A digit of the header (a shape or an offset) replaced by another. */
    private static byte[] replaceDigit(byte[] bytes, int headerLength, SplittableRandom random) {
        int end = Math.min(bytes.length, 8 + headerLength);
        for (int tries = 0; tries < 50; tries++) {
            int at = 8 + random.nextInt(Math.max(1, end - 8));
            if (at < bytes.length && bytes[at] >= '0' && bytes[at] <= '9') {
                bytes[at] = (byte) ('0' + random.nextInt(10));
                break;
            }
        }
        return bytes;
    }
}
