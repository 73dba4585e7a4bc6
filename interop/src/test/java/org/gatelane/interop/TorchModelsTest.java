package org.gatelane.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.model.SequencePass;
import org.gatelane.core.text.Vocabulary;
import org.gatelane.kernels.Kernels;
import org.gatelane.kernels.RecurrentKernels;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PyTorch's own models, made by {@code src/test/python/make_fixtures.py}: imported, they score PyTorch's loss on
 * the same text on both kernel paths; exported and imported again they are bit for bit the same; broken files
 * are refused naming the tensor and the problem.
 */
class TorchModelsTest {

    @TempDir
    Path folder;

    private static final JsonObject FIXTURES = fixtures();

    private static JsonObject fixtures() {
        try (InputStream in = TorchModelsTest.class.getResourceAsStream("fixtures/fixtures.json")) {
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path fixture(String name) throws IOException {
        Path file = folder.resolve(name + ".safetensors");
        try (InputStream in = getClass().getResourceAsStream("fixtures/" + name + ".safetensors")) {
            Files.write(file, in.readAllBytes());
        }
        return file;
    }

    /** The mean cross-entropy of the fixtures' text, from a zero state, in one stream, as PyTorch computed it. */
    private static double loss(RecurrentModel model, Vocabulary vocabulary, RecurrentKernels kernels) {
        int[] symbols = vocabulary.encode(FIXTURES.get("_text").getAsString());
        int n = symbols.length - 1;
        int[] inputs = java.util.Arrays.copyOf(symbols, n);
        int[] targets = java.util.Arrays.copyOfRange(symbols, 1, n + 1);
        return new SequencePass(model, kernels, n, 1).loss(inputs, targets, RecurrentState.zeros(model.shape(), 1), null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"lstm-1layer-f32", "lstm-2layer-f32", "lstm-1layer-embed-f32", "lstm-2layer-embed-f32",
            "lstm-1layer-f16", "lstm-1layer-bf16", "gru-1layer-f32", "gru-2layer-embed-f32", "rnn-1layer-f32",
            "rnn-2layer-embed-f32"})
    void importedModelsScorePyTorchsLoss(String name) throws Exception {
        TorchModels.Imported imported = TorchModels.importModel(Safetensors.read(fixture(name)),
                TorchModels.Names.DEFAULT, null);
        double expected = FIXTURES.getAsJsonObject(name).get("loss").getAsDouble();
        for (RecurrentKernels kernels : new RecurrentKernels[] {Kernels.scalar(), Kernels.vector()}) {
            double actual = loss(imported.model(), imported.vocabulary(), kernels);
            assertEquals(expected, actual, 1e-5 * expected, name + " on " + kernels);
        }
        assertEquals(FIXTURES.getAsJsonObject(name).get("layers").getAsInt(), imported.model().shape().layers());
        assertEquals(FIXTURES.getAsJsonObject(name).get("cell").getAsString(), imported.model().shape().cell().id());
    }

    @ParameterizedTest
    @ValueSource(strings = {"lstm-1layer-f32", "lstm-2layer-embed-f32", "gru-1layer-f32", "gru-2layer-embed-f32",
            "rnn-1layer-f32", "rnn-2layer-embed-f32"})
    void exportAndImportAgainIsBitIdentical(String name) throws Exception {
        TorchModels.Imported imported = TorchModels.importModel(Safetensors.read(fixture(name)),
                TorchModels.Names.DEFAULT, null);
        Path exported = folder.resolve("exported.safetensors");
        TorchModels.export(imported.model(), imported.vocabulary(), TorchModels.Names.DEFAULT).write(exported);
        TorchModels.Imported again = TorchModels.importModel(Safetensors.read(exported), TorchModels.Names.DEFAULT,
                null);
        assertEquals(imported.vocabulary(), again.vocabulary());
        assertEquals(imported.model().shape(), again.model().shape());
        assertArrayEquals(imported.model().parameters(), again.model().parameters());
        ByteBuffer length = ByteBuffer.wrap(Files.readAllBytes(exported), 0, 8).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, length.getLong() % 8, "the header is padded so the data is 8-byte aligned");
    }

    /** Export keeps the GRU's n biases apart: b_in in bias_ih, b_hn in bias_hh, r and z summed into bias_ih. */
    @Test
    void aGrusBiasesLeaveAsPyTorchCanReadThem() throws Exception {
        Safetensors original = Safetensors.read(fixture("gru-1layer-f32"));
        TorchModels.Imported imported = TorchModels.importModel(original, TorchModels.Names.DEFAULT, null);
        Safetensors exported = TorchModels.export(imported.model(), imported.vocabulary(), TorchModels.Names.DEFAULT);
        float[] ih = original.tensors().get("rnn.bias_ih_l0").values();
        float[] hh = original.tensors().get("rnn.bias_hh_l0").values();
        float[] outIh = exported.tensors().get("rnn.bias_ih_l0").values();
        float[] outHh = exported.tensors().get("rnn.bias_hh_l0").values();
        int h = ih.length / 3;
        for (int g = 0; g < 3 * h; g++) {
            assertEquals(g < 2 * h ? ih[g] + hh[g] : ih[g], outIh[g], "bias_ih[" + g + "]");
            assertEquals(g < 2 * h ? 0f : hh[g], outHh[g], "bias_hh[" + g + "]");
        }
    }

    @Test
    void aRecurrentMatrixOfNoCellIsRefused() throws Exception {
        Safetensors good = Safetensors.read(fixture("gru-1layer-f32"));
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>(good.tensors());
        tensors.put("rnn.weight_hh_l0", new Safetensors.Tensor(new int[] {5, 16}, new float[80]));
        assertEquals("tensor rnn.weight_hh_l0 has shape [5, 16] but needs [4H, H] (nn.LSTM), [3H, H] (nn.GRU) or "
                + "[H, H] (nn.RNN) with H = 16 from the head", refusal(new Safetensors(tensors, good.metadata())));
    }

    @Test
    void missingExtraAndMisshapenTensorsAreNamed() throws Exception {
        Safetensors good = Safetensors.read(fixture("lstm-1layer-f32"));
        assertEquals("tensor rnn.bias_hh_l0 is missing", refusal(without(good, "rnn.bias_hh_l0")));
        Map<String, Safetensors.Tensor> extra = new LinkedHashMap<>(good.tensors());
        extra.put("rnn.weight_ih_l0_reverse", good.tensors().get("rnn.weight_ih_l0"));
        assertTrue(refusal(new Safetensors(extra, good.metadata())).contains("rnn.weight_ih_l0_reverse"));
        Map<String, Safetensors.Tensor> misshapen = new LinkedHashMap<>(good.tensors());
        misshapen.put("rnn.weight_hh_l0", new Safetensors.Tensor(new int[] {64, 15}, new float[64 * 15]));
        assertEquals("tensor rnn.weight_hh_l0 has shape [64, 15] but needs [64, 16]",
                refusal(new Safetensors(misshapen, good.metadata())));
        assertTrue(refusal(new Safetensors(good.tensors(), Map.of())).contains("--vocab"));
        SafetensorsException wrongVocabulary = assertThrows(SafetensorsException.class,
                () -> TorchModels.importModel(good, TorchModels.Names.DEFAULT, Vocabulary.of("abc")));
        assertTrue(wrongVocabulary.getMessage().contains("3 symbols"), wrongVocabulary.getMessage());
        assertTrue(refusal(good, new TorchModels.Names("lstm.", "head.", "embed.")).contains("--rnn-prefix"));
    }

    private static Safetensors without(Safetensors file, String name) {
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>(file.tensors());
        tensors.remove(name);
        return new Safetensors(tensors, file.metadata());
    }

    /** A NaN or an infinity anywhere in a model file is refused at import, naming the tensor and the element. */
    @Test
    void nonFiniteWeightsAreRefusedNamingTheTensorAndTheElement() throws Exception {
        Safetensors good = Safetensors.read(fixture("lstm-2layer-f32"));
        String[][] cases = {{"head.weight", "NaN"}, {"rnn.weight_hh_l1", "Infinity"}, {"rnn.bias_ih_l0", "-Infinity"}};
        for (String[] poison : cases) {
            Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>(good.tensors());
            Safetensors.Tensor clean = tensors.get(poison[0]);
            float[] values = clean.values().clone();
            int at = values.length - 2;
            values[at] = Float.parseFloat(poison[1]);
            tensors.put(poison[0], new Safetensors.Tensor(clean.shape(), values));
            int[] shape = clean.shape();
            String where = shape.length == 1 ? "[" + at + "]" : "[" + at / shape[1] + ", " + at % shape[1] + "]";
            assertEquals("tensor " + poison[0] + " holds " + poison[1] + " at " + where + "; a model must be finite",
                    refusal(new Safetensors(tensors, good.metadata())));
        }
    }

    private static String refusal(Safetensors file) {
        return refusal(file, TorchModels.Names.DEFAULT);
    }

    private static String refusal(Safetensors file, TorchModels.Names names) {
        return assertThrows(SafetensorsException.class, () -> TorchModels.importModel(file, names, null)).getMessage();
    }

    /** Files broken at the byte level: each refused, with the problem (and the tensor, where one is at fault). */
    @Test
    void brokenFilesAreRefusedNamingTheProblem() throws Exception {
        String a = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        assertEquals(2, Safetensors.read(raw(a + "}", 8)).tensors().get("a").values().length, "the base file reads");
        assertBroken(header(1000, a + "}", 8), "beyond the file", "does not fit");
        assertBroken(raw("{\"a\": [1, 2", 8), "bad JSON", "not valid JSON");
        assertBroken(raw("[1, 2]", 8), "not an object", "not a JSON object");
        assertBroken(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,12]}}", 8), "out of range",
                "tensor a has data_offsets [0, 12] outside the 8 bytes");
        assertBroken(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "dtype x shape",
                "tensor a has 8 bytes for F32 [3], which needs 12");
        assertBroken(raw("{\"a\":{\"dtype\":\"I8\",\"shape\":[8],\"data_offsets\":[0,8]}}", 8), "dtype",
                "tensor a has dtype \"I8\"");
        assertBroken(raw(a + ",\"b\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[4,8]}}", 8), "overlap",
                "tensors a and b overlap");
        assertBroken(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8), "negative",
                "dimension of -2");
        assertBroken(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,4],\"data_offsets\":[0,8]}}", 8),
                "huge shape", "more than the file holds");
        assertBroken(raw("{\"__metadata__\":{\"k\":3}," + a.substring(1) + "}", 8), "metadata", "not a string");
        Path tiny = folder.resolve("tiny.safetensors");
        Files.write(tiny, new byte[5]);
        assertTrue(assertThrows(SafetensorsException.class, () -> Safetensors.read(tiny)).getMessage()
                .contains("not a safetensors file"));
    }

    private void assertBroken(Path file, String what, String expected) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.read(file), what);
        assertTrue(e.getMessage().contains(expected), what + ": " + e.getMessage());
    }

    private Path raw(String json, int dataBytes) throws IOException {
        return header(json.getBytes(StandardCharsets.UTF_8).length, json, dataBytes);
    }

    private Path header(long declaredLength, String json, int dataBytes) throws IOException {
        byte[] text = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bytes = ByteBuffer.allocate(8 + text.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(declaredLength).put(text);
        Path file = Files.createTempFile(folder, "broken", ".safetensors");
        Files.write(file, bytes.array());
        return file;
    }
}
