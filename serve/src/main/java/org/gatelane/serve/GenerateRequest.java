package org.gatelane.serve;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.gatelane.core.infer.BatchedGenerator;
import org.gatelane.core.text.Corpus;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

/**
 * The body of {@code POST /v1/generate}, read strictly: every field of the right type and range, or a
 * {@link BadRequest} that names the field.
 *
 * <pre>{"prompt": "The ", "length": 200, "temperature": 0.8, "top_k": 0, "top_p": 0.95, "seed": 1,
 *  "stop": ["\n\n"], "unknown": "error", "stream": true}</pre>
 *
 * @param stream whether the text comes as Server-Sent Events while it is generated
 */
record GenerateRequest(BatchedGenerator.Request request, boolean stream) {

    private static final Set<String> FIELDS = Set.of("prompt", "length", "temperature", "top_k", "top_p", "seed",
            "stop", "unknown", "stream");

    /** A request that cannot be served as sent: 400, with the field at fault (null for the body as a whole). */
    static final class BadRequest extends Exception {
        final String field;

        BadRequest(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }
    }

    /**
     * Reads a body; absent fields take the defaults of {@code gatelane sample} (length 500 capped at
     * {@code maxLength}, temperature 1, all candidates, seed 1).
     */
    static GenerateRequest parse(String body, int maxLength) throws BadRequest {
        JsonObject json;
        try {
            JsonReader reader = new JsonReader(new StringReader(body));
            reader.setStrictness(Strictness.STRICT);
            JsonElement parsed = JsonParser.parseReader(reader);
            if (!parsed.isJsonObject() || reader.peek() != JsonToken.END_DOCUMENT) {
                throw new BadRequest(null, "the body must be one JSON object");
            }
            json = parsed.getAsJsonObject();
        } catch (JsonParseException | IOException e) {
            throw new BadRequest(null, "the body is not valid JSON");
        }
        for (Map.Entry<String, JsonElement> field : json.entrySet()) {
            if (!FIELDS.contains(field.getKey())) {
                throw new BadRequest(field.getKey(), "unknown field '" + field.getKey() + "'; known: "
                        + String.join(", ", FIELDS.stream().sorted().toList()));
            }
        }
        String prompt = string(json, "prompt", "");
        int length = (int) number(json, "length", Math.min(500, maxLength), 0, maxLength, true);
        float temperature = (float) number(json, "temperature", 1, 0, 100, false);
        int topK = (int) number(json, "top_k", 0, 0, Integer.MAX_VALUE, true);
        double topP = number(json, "top_p", 1, 0, 1, false);
        if (topP == 0) {
            throw new BadRequest("top_p", "top_p must be in (0, 1] but was 0");
        }
        long seed = (long) number(json, "seed", 1, -(1L << 53), 1L << 53, true);
        List<String> stops = stops(json);
        String unknown = string(json, "unknown", "error");
        if (!unknown.equals("error") && !unknown.equals("skip")) {
            throw new BadRequest("unknown", "unknown must be \"error\" or \"skip\" but was \"" + unknown + "\"");
        }
        boolean stream = bool(json, "stream", false);
        return new GenerateRequest(new BatchedGenerator.Request(prompt, length, temperature, topK, (float) topP, seed,
                stops, unknown.equals("skip") ? Corpus.Unknown.SKIP : Corpus.Unknown.ERROR), stream);
    }

    private static String string(JsonObject json, String field, String absent) throws BadRequest {
        JsonElement value = json.get(field);
        if (value == null) {
            return absent;
        }
        if (!(value instanceof JsonPrimitive p) || !p.isString()) {
            throw new BadRequest(field, field + " must be a string");
        }
        return p.getAsString();
    }

    private static boolean bool(JsonObject json, String field, boolean absent) throws BadRequest {
        JsonElement value = json.get(field);
        if (value == null) {
            return absent;
        }
        if (!(value instanceof JsonPrimitive p) || !p.isBoolean()) {
            throw new BadRequest(field, field + " must be true or false");
        }
        return p.getAsBoolean();
    }

    private static double number(JsonObject json, String field, double absent, double low, double high,
                                 boolean whole) throws BadRequest {
        JsonElement value = json.get(field);
        if (value == null) {
            return absent;
        }
        if (!(value instanceof JsonPrimitive p) || !p.isNumber()) {
            throw new BadRequest(field, field + " must be a number");
        }
        double number = p.getAsDouble();
        if (whole && number != Math.rint(number)) {
            throw new BadRequest(field, field + " must be a whole number but was " + p);
        }
        if (!(number >= low && number <= high)) {
            throw new BadRequest(field, field + " must be in [" + format(low) + ", " + format(high) + "] but was "
                    + p);
        }
        return number;
    }

    private static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    private static List<String> stops(JsonObject json) throws BadRequest {
        JsonElement value = json.get("stop");
        if (value == null) {
            return List.of();
        }
        if (value instanceof JsonPrimitive p && p.isString() && !p.getAsString().isEmpty()) {
            return List.of(p.getAsString());
        }
        if (!value.isJsonArray() || value.getAsJsonArray().size() > 16) {
            throw new BadRequest("stop", "stop must be a non-empty string or an array of at most 16 of them");
        }
        List<String> stops = new ArrayList<>();
        for (JsonElement item : value.getAsJsonArray()) {
            if (!(item instanceof JsonPrimitive p) || !p.isString() || p.getAsString().isEmpty()) {
                throw new BadRequest("stop", "stop must be a non-empty string or an array of at most 16 of them");
            }
            stops.add(p.getAsString());
        }
        return stops;
    }
}
