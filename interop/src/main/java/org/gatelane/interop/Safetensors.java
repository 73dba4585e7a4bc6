package org.gatelane.interop;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.gatelane.core.io.DurableFile;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

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
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, Files.size(file), file.toString());
        }
    }

    /**
     * Reads a file of {@code size} bytes from {@code in}; {@code file} names it in messages.
     *
     * @throws SafetensorsException as {@link #read(Path)}
     */
    static Safetensors read(InputStream in, long size, String file) throws IOException {
        if (size < 8) {
            throw new SafetensorsException(file + " is not a safetensors file: " + size + " bytes, fewer than the "
                    + "8 of the header length");
        }
        long headerLength = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength < 2 || headerLength > size - 8) {
            throw new SafetensorsException(file + ": the header length " + Long.toUnsignedString(headerLength)
                    + " does not fit in the file's " + size + " bytes");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new SafetensorsException(file + ": the header length " + headerLength + " is over the "
                    + MAX_HEADER_BYTES + " bytes this reader accepts");
        }
        String json = utf8(file, in.readNBytes((int) headerLength));
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

    /** The header's bytes as strict UTF-8, as the format requires. */
    private static String utf8(String file, byte[] header) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(header)).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(file + ": the header is not valid UTF-8");
        }
    }

    /**
     * The header, read as strict JSON: one object whose names are each given once, the tensors' bytes covering the
     * data exactly, in some order, with neither gaps nor anything after the last (the format forbids both, so
     * that no other content can hide in a model file).
     */
    private static List<Entry> parseHeader(String file, String json, long dataLength, Map<String, String> metadata) {
        List<Entry> entries = new ArrayList<>();
        JsonReader reader = new JsonReader(new StringReader(json));
        reader.setStrictness(Strictness.STRICT);
        try {
            if (reader.peek() != JsonToken.BEGIN_OBJECT) {
                throw new SafetensorsException(file + ": the header is not a JSON object");
            }
            reader.beginObject();
            Set<String> names = new HashSet<>();
            while (reader.hasNext()) {
                String name = reader.nextName();
                if (!names.add(name)) {
                    throw new SafetensorsException(file + ": the header names " + name + " twice");
                }
                if (name.equals("__metadata__")) {
                    readMetadata(file, reader, metadata);
                } else {
                    entries.add(entry(file, name, JsonParser.parseReader(reader), dataLength));
                }
            }
            reader.endObject();
            if (!endsHere(reader)) {
                throw new SafetensorsException(file + ": the header has more after its JSON object");
            }
        } catch (IOException | JsonParseException e) {
            throw new SafetensorsException(file + ": the header is not valid JSON (" + firstLine(e.getMessage()) + ")");
        }
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long covered = 0;
        Entry before = null;
        for (Entry after : byOffset) {
            if (after.begin < covered) {
                throw new SafetensorsException(file + ": tensors " + before.name + " and " + after.name
                        + " overlap (bytes " + after.begin + " to " + Math.min(before.end, after.end) + ")");
            }
            if (after.begin > covered) {
                throw new SafetensorsException(file + ": bytes " + covered + " to " + after.begin + " belong to no "
                        + "tensor (a gap before " + after.name + ")");
            }
            covered = after.end;
            before = after;
        }
        if (covered != dataLength) {
            throw new SafetensorsException(file + ": the last " + (dataLength - covered) + " bytes belong to no "
                    + "tensor");
        }
        return entries;
    }

    /** Whether only white space follows: a strict reader refuses a second value before it can be peeked at. */
    private static boolean endsHere(JsonReader reader) {
        try {
            return reader.peek() == JsonToken.END_DOCUMENT;
        } catch (IOException secondValue) {
            return false;
        }
    }

    /**
     * The parser's message for a person: its first line (Gson adds a link on a second), without Gson's advice to
     * its own callers about lenient parsing.
     */
    private static String firstLine(String message) {
        String line = message == null ? "unreadable" : message.lines().findFirst().orElse("unreadable");
        return line.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "malformed");
    }

    private static void readMetadata(String file, JsonReader reader, Map<String, String> metadata) throws IOException {
        if (reader.peek() != JsonToken.BEGIN_OBJECT) {
            throw new SafetensorsException(file + ": __metadata__ is not an object of strings");
        }
        reader.beginObject();
        while (reader.hasNext()) {
            String key = reader.nextName();
            if (reader.peek() != JsonToken.STRING) {
                throw new SafetensorsException(file + ": __metadata__ entry " + key + " is not a string");
            }
            if (metadata.put(key, reader.nextString()) != null) {
                throw new SafetensorsException(file + ": __metadata__ names " + key + " twice");
            }
        }
        reader.endObject();
    }

    private static Entry entry(String file, String name, JsonElement value, long dataLength) {
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
