package org.gatelane.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.gatelane.core.infer.Sampler;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.Rng;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.Vocabulary;
import org.gatelane.kernels.Kernels;
import org.gatelane.testing.PropertyCases;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The service on loopback: the text of a lone sampler, as JSON and as events; every bad request a 4xx with one
 * line of JSON naming the field; full means 429; a client that leaves frees its stream; random abuse leaves the
 * server answering and holding no stream. Every request goes to 127.0.0.1, every loop is bounded.
 */
class GenerationServerTest {

    private static final Vocabulary VOCABULARY = Corpus.of("the keeper winds the clock at dusk.\n").vocabulary();
    private static final RecurrentModel MODEL = RecurrentModel.initialized(
            ModelShape.characterModel(VOCABULARY.size(), 24, 2), 5);
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private GenerationServer server;

    /** An answer: its status, body and headers. */
    private record Response(int statusCode, String body, java.util.Map<String, java.util.List<String>> headers) {
        /** The first value of the header {@code name}, whatever the case of its name; empty if absent. */
        String header(String name) {
            return headers.entrySet().stream().filter(h -> name.equalsIgnoreCase(h.getKey()))
                    .map(h -> h.getValue().getFirst()).findFirst().orElse("");
        }
    }

    @BeforeEach
    void start() throws IOException {
        server = GenerationServer.start(MODEL, VOCABULARY, Kernels.preferred(),
                new GenerationServer.Limits(2, 1, 2000, 1024,
                GenerationServer.Limits.DEFAULT_EVENT_INTERVAL), "127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
    }

    private Response post(String body) throws IOException {
        return exchange("/v1/generate", "POST", body);
    }

    private Response get(String path) throws IOException {
        return exchange(path, "GET", null);
    }

    private Response exchange(String path, String method, String body) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) uri(path).toURL().openConnection();
        connection.setConnectTimeout((int) PATIENCE.toMillis());
        connection.setReadTimeout((int) PATIENCE.toMillis());
        connection.setRequestMethod(method);
        if (body != null) {
            connection.setDoOutput(true);
            connection.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
        }
        int status = connection.getResponseCode();
        var in = status < 400 ? connection.getInputStream() : connection.getErrorStream();
        String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        java.util.Map<String, java.util.List<String>> headers = connection.getHeaderFields();
        connection.disconnect();
        return new Response(status, text, headers);
    }

    /** What {@code gatelane sample --prime P --length N --seed S} prints after the prime. */
    private static String lone(String prime, int length, float temperature, long seed) {
        Sampler sampler = new Sampler(MODEL, Kernels.preferred());
        float[] logits = null;
        for (int cp : prime.codePoints().toArray()) {
            logits = sampler.feed(VOCABULARY.indexOf(cp));
        }
        Rng rng = new Rng(seed);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int symbol = sampler.draw(logits, temperature, 0, 1f, rng);
            text.appendCodePoint(VOCABULARY.codePoint(symbol));
            logits = sampler.feed(symbol);
        }
        return text.toString();
    }

    @Test
    void aRequestGetsALoneSamplersTextAsJsonAndAsEvents() throws Exception {
        Response plain = post("{\"prompt\": \"the \", \"length\": 80, \"seed\": 7, \"temperature\": 0.9}");
        assertEquals(200, plain.statusCode(), plain.body());
        JsonObject answer = JsonParser.parseString(plain.body()).getAsJsonObject();
        assertEquals(lone("the ", 80, 0.9f, 7), answer.get("text").getAsString());
        assertEquals(80, answer.get("characters").getAsInt());
        assertEquals("length", answer.get("end").getAsString());

        Response events = post("{\"prompt\": \"the \", \"length\": 30, \"seed\": 7, \"temperature\": 0.9, "
                + "\"stream\": true}");
        assertEquals(200, events.statusCode());
        assertEquals("text/event-stream; charset=utf-8", events.header("Content-Type"));
        StringBuilder streamed = new StringBuilder();
        String done = null;
        for (String event : events.body().split("\n\n")) {
            if (event.startsWith("event: done\n")) {
                done = event;
            } else {
                streamed.append(JsonParser.parseString(event.substring("data: ".length())).getAsJsonObject()
                        .get("text").getAsString());
            }
        }
        assertEquals(lone("the ", 30, 0.9f, 7), streamed.toString());
        assertTrue(done != null && done.contains("\"characters\":30"), events.body());
    }

    /**
     * Requests that arrive together have their prompts fed side by side in one pass when they meet at the priming
     * thread; each still gets the text a lone sampler draws after its own prompt.
     */
    @Test
    void requestsArrivingTogetherEachGetALoneSamplersText() throws Exception {
        String[] prompts = {"the ", "k", "the keeper winds the clock at dusk.\nthe keeper "};
        List<Future<Response>> answers = new ArrayList<>();
        try (ExecutorService clients = Executors.newFixedThreadPool(prompts.length)) {
            for (int i = 0; i < prompts.length; i++) {
                String body = "{\"prompt\": " + new JsonPrimitive(prompts[i]) + ", \"length\": 50, \"seed\": " + i
                        + "}";
                answers.add(clients.submit(() -> post(body)));
            }
            for (int i = 0; i < prompts.length; i++) {
                Response answer = answers.get(i).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                assertEquals(200, answer.statusCode(), answer.body());
                assertEquals(lone(prompts[i], 50, 1f, i), JsonParser.parseString(answer.body()).getAsJsonObject()
                        .get("text").getAsString(), "prompt " + i);
            }
        }
    }

    /**
     * After the first event, a stream's events are at least the server's interval apart, and the text is still
     * the lone sampler's. Unpaced, a model this small sends hundreds of events for 2,000 characters.
     */
    @Test
    void aStreamsEventsAreNoMoreFrequentThanItsInterval() throws Exception {
        server.close();
        server = GenerationServer.start(MODEL, VOCABULARY, Kernels.preferred(),
                new GenerationServer.Limits(2, 1, 2000, 1024, Duration.ofMillis(100)), "127.0.0.1", 0);
        long started = System.nanoTime();
        Response events = post("{\"prompt\": \"the \", \"length\": 2000, \"seed\": 3, \"stream\": true}");
        double seconds = (System.nanoTime() - started) / 1e9;
        StringBuilder streamed = new StringBuilder();
        int dataEvents = 0;
        for (String event : events.body().split("\n\n")) {
            if (event.startsWith("data: ")) {
                dataEvents++;
                streamed.append(JsonParser.parseString(event.substring("data: ".length())).getAsJsonObject()
                        .get("text").getAsString());
            }
        }
        assertEquals(lone("the ", 2000, 1f, 3), streamed.toString());
        assertTrue(dataEvents <= 1 + seconds / 0.1 + 1, dataEvents + " events in " + seconds + " s");
    }

    @Test
    void badRequestsAreRefusedInOneLineNamingTheField() throws Exception {
        String[][] cases = {
            {"{\"length\": \"ten\"}", "400", "length"},
            {"{\"temperature\": -1}", "400", "temperature"},
            {"{\"top_p\": 0}", "400", "top_p"},
            {"{\"length\": 2001}", "400", "length"},
            {"{\"seed\": 1.5}", "400", "seed"},
            {"{\"prompt\": \"Zebra\"}", "400", "prompt"},
            {"{\"stop\": [\"\"]}", "400", "stop"},
            {"{\"unknown\": \"drop\"}", "400", "unknown"},
            {"{\"colour\": 1}", "400", "colour"},
            {"{\"prompt\": \"the\"", "400", null},
            {"[1, 2]", "400", null},
            {"{prompt: 'the'}", "400", null},
        };
        for (String[] bad : cases) {
            Response response = post(bad[0]);
            assertEquals(Integer.parseInt(bad[1]), response.statusCode(), bad[0] + " -> " + response.body());
            assertEquals(1, response.body().lines().count(), response.body());
            JsonObject error = JsonParser.parseString(response.body()).getAsJsonObject();
            assertTrue(error.has("error"), response.body());
            assertEquals(bad[2], error.has("field") ? error.get("field").getAsString() : null, bad[0]);
        }
        Response huge = post("{\"prompt\": \"" + "t".repeat(2000) + "\"}");
        assertEquals(413, huge.statusCode(), huge.body());
        assertEquals(405, get("/v1/generate").statusCode());
        assertEquals(404, get("/nothing-here").statusCode());
        assertEquals(0, server.activeStreams());
    }

    @Test
    void aFullServerSays429AndALeavingClientFreesItsStream() throws Exception {
        try (Socket first = openStream(); Socket second = openStream(); Socket third = openStream()) {
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while ((server.activeStreams() < 2 || server.queuedStreams() < 1) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            // Two streams and one place in the queue are taken: the next request is refused with Retry-After.
            Response refused = post("{\"length\": 5}");
            assertEquals(429, refused.statusCode(), refused.body());
            assertEquals("1", refused.header("Retry-After"));
        }
        awaitNoStream();
        assertEquals(200, post("{\"length\": 5}").statusCode(), "the streams are free again");
    }

    /** A streaming request for many characters, left open after its first event. */
    private Socket openStream() throws IOException {
        Socket socket = new Socket("127.0.0.1", server.address().getPort());
        socket.setSoTimeout((int) PATIENCE.toMillis());
        String body = "{\"length\": 2000, \"stream\": true}";
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    private void awaitNoStream() throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (server.activeStreams() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, server.activeStreams(), "every stream whose client left was freed");
    }

    @Test
    void healthModelMetricsAndThePageAnswer() throws Exception {
        assertEquals(200, post("{\"length\": 3}").statusCode());
        assertTrue(get("/health").body().contains("\"status\":\"ok\""));
        JsonObject model = JsonParser.parseString(get("/v1/model").body()).getAsJsonObject();
        assertEquals("lstm", model.get("cell").getAsString());
        assertEquals(24, model.get("hidden_size").getAsInt());
        String metrics = get("/metrics").body();
        // The generation, the health check and the model's description: three answers of 200 so far.
        assertTrue(metrics.contains("gatelane_requests_total{status=\"200\"} 3\n"), metrics);
        assertTrue(metrics.contains("gatelane_characters_generated_total 3\n"), metrics);
        assertTrue(metrics.contains("gatelane_request_seconds_count 1\n"), metrics);
        String page = get("/").body();
        assertTrue(page.contains("<button id=\"generate\">Generate</button>") && !page.contains("http://")
                && !page.contains("https://"), "the page fetches nothing from elsewhere");
    }

    /** Random bodies, headers and early disconnects, bounded in count and time: no 5xx, no stream left behind. */
    @Test
    void abuseLeavesTheServerAnsweringAndHoldingNoStream() throws Exception {
        String[] pieces = {"{", "}", "\"prompt\"", "\"length\"", ":", ",", "1", "-5", "1e9", "\"the\"", "true",
            "null", "[", "]", "\"stream\"", "\"seed\"", "\"top_k\"", "\"stop\"", "\u00e9", "\\u0000", "\"x\""};
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        PropertyCases.check("server-abuse", 1500, random -> {
            if (System.nanoTime() > deadline) {
                return;
            }
            StringBuilder body = new StringBuilder();
            for (int i = random.nextInt(12); i > 0; i--) {
                body.append(pieces[random.nextInt(pieces.length)]);
            }
            if (random.nextInt(4) == 0) {
                rawAndLeave(body.toString(), random);
                return;
            }
            try {
                Response response = post(body.toString());
                assertTrue(response.statusCode() < 500, body + " -> " + response.statusCode() + " " + response.body());
            } catch (IOException e) {
                throw new AssertionError("the server stopped answering after " + body, e);
            }
        });
        awaitNoStream();
        assertEquals(200, get("/health").statusCode());
        assertEquals(200, post("{\"length\": 4}").statusCode());
    }

    /** A raw request whose client leaves at a random point: before the body ends, or after some of the answer. */
    private void rawAndLeave(String body, SplittableRandom random) {
        try (Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
            socket.setSoTimeout(2000);
            String json = random.nextBoolean() ? "{\"length\": 1500, \"stream\": true}" : body;
            byte[] request = ("POST /v1/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                    + json.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + json).getBytes(StandardCharsets.UTF_8);
            int sent = random.nextBoolean() ? request.length : random.nextInt(request.length);
            socket.getOutputStream().write(request, 0, sent);
            socket.getOutputStream().flush();
            if (sent == request.length && random.nextBoolean()) {
                new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)).readLine();
            }
        } catch (IOException timedOutOrClosed) {
            // Leaving is the point.
        }
    }

    @Test
    void closingEndsTheStreamsInFlightWithTheirEnd() throws Exception {
        try (Socket socket = openStream()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line = in.readLine();
            assertTrue(line != null && line.startsWith("HTTP/1.1 200"), line);
            server.close();
            StringBuilder rest = new StringBuilder();
            for (String more; (more = in.readLine()) != null; ) {
                rest.append(more).append('\n');
            }
            assertTrue(rest.toString().contains("event: done\ndata: {") && rest.toString().contains("\"end\":\"cancelled\""),
                    rest.toString());
        }
    }
}
