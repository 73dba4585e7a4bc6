package org.gatelane.interop;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.gatelane.core.io.DurableFile;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * A safetensors file: an 8-byte little-endian header length, a JSON header mapping each tensor name to its
 * dtype, shape and {@code data_offsets} (with an optional {@code __metadata__} of strings), then the raw
 * little-endian data. Reading checks everything before any tensor is used: the header fits the file, offsets
 * lie in the data, match dtype × shape, and do not overlap.
 *
 * @param tensors  by name, in the file's order
 * @param metadata the {@code __metadata__} strings, empty if absent
 */
public record Safetensors(Map<String, Tensor> tensors, Map<String, String> metadata) {

    /** The header of a larger file is refused: 100 MB is far beyond any real header. */
    private static final long MAX_HEADER_BYTES = 100_000_000L;

    /** Element types this reader converts to float. */
    public enum DType {
        F32(4), F16(2), BF16(2), F64(8);

        final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }
    }

    /**
     * One tensor, as floats in row-major order.
     *
     * @param shape  its dimensions
     * @param values {@code Π shape} values
     */
    public record Tensor(int[] shape, float[] values) {

        public Tensor {
            long count = 1;
            for (int d : shape) {
                count *= d;
            }
            if (count != values.length) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + count
                        + " values but " + values.length + " were given");
            }
        }

        /** Rows of a matrix, or the length of a vector. */
        public int rows() {
            return shape.length == 0 ? 1 : shape[0];
        }
    }

    /**
     * Reads and checks a whole file; F32, F16, BF16 and F64 tensors become floats.
     *
     * @throws SafetensorsException naming the tensor and the problem
     * @throws IOException          if the file cannot be read
     */
    public static Safetensors read(Path file) throws IOException {
        long size = Files.size(file);
        if (size < 8) {
            throw new SafetensorsException(file + " is not a safetensors file: " + size + " bytes, fewer than the "
                    + "8 of the header length");
        }
        try (InputStream in = Files.newInputStream(file)) {
            long headerLength = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLength < 2 || headerLength > size - 8 || headerLength > MAX_HEADER_BYTES) {
                throw new SafetensorsException(file + ": the header length " + Long.toUnsignedString(headerLength)
                        + " does not fit in the file's " + size + " bytes");
            }
            String json = new String(in.readNBytes((int) headerLength), StandardCharsets.UTF_8);
            long dataLength = size - 8 - headerLength;
            if (dataLength > Integer.MAX_VALUE - 8) {
                throw new SafetensorsException(file + ": " + dataLength + " bytes of tensor data; at most "
                        + (Integer.MAX_VALUE - 8) + " are supported");
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = parseHeader(file, json, dataLength, metadata);
            ByteBuffer data = ByteBuffer.wrap(in.readNBytes((int) dataLength)).order(ByteOrder.LITTLE_ENDIAN);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Entry entry : entries) {
                tensors.put(entry.name, new Tensor(entry.shape, entry.decode(data)));
            }
            return new Safetensors(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
        }
    }

    /** One header entry, checked. */
    private record Entry(String name, DType dtype, int[] shape, long begin, long end) {

        float[] decode(ByteBuffer data) {
            int count = (int) ((end - begin) / dtype.bytes);
            float[] values = new float[count];
            int at = (int) begin;
            for (int i = 0; i < count; i++, at += dtype.bytes) {
                values[i] = switch (dtype) {
                    case F32 -> data.getFloat(at);
                    case F64 -> (float) data.getDouble(at);
                    case F16 -> Float.float16ToFloat(data.getShort(at));
                    case BF16 -> Float.intBitsToFloat((data.getShort(at) & 0xFFFF) << 16);
                };
            }
            return values;
        }
    }

    private static List<Entry> parseHeader(Path file, String json, long dataLength, Map<String, String> metadata) {
        JsonObject header;
        try {
            JsonElement parsed = JsonParser.parseString(json);
            if (!parsed.isJsonObject()) {
                throw new SafetensorsException(file + ": the header is not a JSON object");
            }
            header = parsed.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new SafetensorsException(file + ": the header is not valid JSON (" + e.getMessage() + ")");
        }
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonElement> field : header.entrySet()) {
            String name = field.getKey();
            if (name.equals("__metadata__")) {
                readMetadata(file, field.getValue(), metadata);
            } else {
                entries.add(entry(file, name, field.getValue(), dataLength));
            }
        }
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        for (int i = 1; i < byOffset.size(); i++) {
            Entry before = byOffset.get(i - 1);
            Entry after = byOffset.get(i);
            if (after.begin < before.end) {
                throw new SafetensorsException(file + ": tensors " + before.name + " and " + after.name
                        + " overlap (bytes " + after.begin + " to " + Math.min(before.end, after.end) + ")");
            }
        }
        return entries;
    }

    private static void readMetadata(Path file, JsonElement value, Map<String, String> metadata) {
        if (!value.isJsonObject()) {
            throw new SafetensorsException(file + ": __metadata__ is not an object of strings");
        }
        for (Map.Entry<String, JsonElement> item : value.getAsJsonObject().entrySet()) {
            if (!item.getValue().isJsonPrimitive() || !item.getValue().getAsJsonPrimitive().isString()) {
                throw new SafetensorsException(file + ": __metadata__ entry " + item.getKey() + " is not a string");
            }
            metadata.put(item.getKey(), item.getValue().getAsString());
        }
    }

    private static Entry entry(Path file, String name, JsonElement value, long dataLength) {
        String where = file + ": tensor " + name;
        if (!value.isJsonObject()) {
            throw new SafetensorsException(where + " is not an object with dtype, shape and data_offsets");
        }
        JsonObject fields = value.getAsJsonObject();
        DType dtype;
        try {
            dtype = DType.valueOf(string(fields, "dtype", where));
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(where + " has dtype " + fields.get("dtype") + "; only F32, F16, BF16 and "
                    + "F64 are read");
        }
        JsonArray shapeArray = array(fields, "shape", where);
        int[] shape = new int[shapeArray.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            long dimension = wholeNumber(shapeArray.get(i), where + " shape[" + i + "]");
            if (dimension < 0 || dimension > Integer.MAX_VALUE) {
                throw new SafetensorsException(where + " has a dimension of " + dimension);
            }
            shape[i] = (int) dimension;
            count = count > dataLength ? count : count * dimension; // past the data's length, any count is refused
        }
        JsonArray offsets = array(fields, "data_offsets", where);
        if (offsets.size() != 2) {
            throw new SafetensorsException(where + " needs data_offsets [begin, end] but has " + offsets);
        }
        long begin = wholeNumber(offsets.get(0), where + " data_offsets[0]");
        long end = wholeNumber(offsets.get(1), where + " data_offsets[1]");
        if (begin < 0 || end < begin || end > dataLength) {
            throw new SafetensorsException(where + " has data_offsets [" + begin + ", " + end + "] outside the "
                    + dataLength + " bytes of data");
        }
        if (count > dataLength || end - begin != count * dtype.bytes) {
            throw new SafetensorsException(where + " has " + (end - begin) + " bytes for " + dtype + " "
                    + Arrays.toString(shape) + ", which needs " + (count > dataLength ? "more than the file holds"
                    : count * dtype.bytes + ""));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static String string(JsonObject fields, String key, String where) {
        JsonElement value = fields.get(key);
        if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw new SafetensorsException(where + " has no " + key + " string");
        }
        return value.getAsString();
    }

    private static JsonArray array(JsonObject fields, String key, String where) {
        JsonElement value = fields.get(key);
        if (value == null || !value.isJsonArray()) {
            throw new SafetensorsException(where + " has no " + key + " array");
        }
        return value.getAsJsonArray();
    }

    private static long wholeNumber(JsonElement value, String where) {
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
            throw new SafetensorsException(where + " is not a number: " + value);
        }
        double number = value.getAsDouble();
        if (number != Math.rint(number) || Math.abs(number) > 1e18) {
            throw new SafetensorsException(where + " is not a whole number: " + value);
        }
        return value.getAsLong();
    }

    /**
     * Writes {@code tensors} as F32 with {@code metadata}, to a temporary file renamed into place. The header is
     * padded with spaces to a multiple of 8 bytes, so the data that follows is aligned.
     */
    public void write(Path file) throws IOException {
        JsonObject header = new JsonObject();
        if (!metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add("__metadata__", meta);
        }
        long at = 0;
        for (Map.Entry<String, Tensor> entry : tensors.entrySet()) {
            JsonObject fields = new JsonObject();
            fields.addProperty("dtype", "F32");
            JsonArray shape = new JsonArray();
            for (int d : entry.getValue().shape()) {
                shape.add(d);
            }
            fields.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(at);
            at += 4L * entry.getValue().values().length;
            offsets.add(at);
            fields.add("data_offsets", offsets);
            header.add(entry.getKey(), fields);
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        DurableFile.replace(file, out -> {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(headerBytes);
            for (Tensor tensor : tensors.values()) {
                ByteBuffer bytes = ByteBuffer.allocate(4 * tensor.values().length).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(tensor.values());
                out.write(bytes.array());
            }
        });
    }
}
