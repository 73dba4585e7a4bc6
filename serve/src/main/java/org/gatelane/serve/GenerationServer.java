package org.gatelane.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.gatelane.core.infer.BatchedGenerator;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.text.Vocabulary;
import org.gatelane.kernels.RecurrentKernels;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * {@code gatelane serve}: one model's text over HTTP. {@code POST /v1/generate} (JSON in; JSON out, or Server-Sent
 * Events while the text is generated), {@code GET /v1/model}, {@code GET /health}, {@code GET /metrics}
 * (Prometheus text format) and {@code GET /}, a page to try it. Request threads (virtual, one per exchange) only
 * queue work and write out what the one generation loop of {@link GenerationService} produces.
 *
 * <p>The JDK's own HTTP server carries it: nothing to install, and what generation needs of HTTP (small JSON
 * bodies, a chunked stream per request, a few thousand connections on loopback) is within its reach.
 */
public final class GenerationServer implements AutoCloseable {

    /**
     * The limits a server holds to, and how often a stream's events go out.
     *
     * @param eventInterval after a stream's first characters, the least time between two of its events. Each
     *                      event costs a wake-up of its handler and a write, which at 64 streams of a small model
     *                      cost more than generating the characters (measured by {@code bench/serve-load.sh}, see
     *                      {@code bench/results/serve-load.md}); zero sends whatever each wake-up finds
     */
    public record Limits(int maxStreams, int queue, int maxLength, int maxBodyBytes, Duration eventInterval) {

        /** 4 ms: 250 events a second is smoother than a display refreshes, and far under 10 ms between them. */
        public static final Duration DEFAULT_EVENT_INTERVAL = Duration.ofMillis(4);

        public Limits {
            if (maxStreams < 1 || queue < 0 || maxLength < 1 || maxBodyBytes < 16 || eventInterval.isNegative()) {
                throw new IllegalArgumentException("need maxStreams >= 1, queue >= 0, maxLength >= 1, "
                        + "maxBodyBytes >= 16 and an event interval >= 0 but got " + maxStreams + ", " + queue + ", "
                        + maxLength + ", " + maxBodyBytes + ", " + eventInterval);
            }
        }
    }

    private final RecurrentModel model;
    private final Vocabulary vocabulary;
    private final RecurrentKernels kernels;
    private final Limits limits;
    private final GenerationService service;
    private final Metrics metrics = new Metrics();
    private final HttpServer http;
    private final ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();

    private GenerationServer(RecurrentModel model, Vocabulary vocabulary, RecurrentKernels kernels, Limits limits,
                             InetSocketAddress address) throws IOException {
        this.model = model;
        this.vocabulary = vocabulary;
        this.kernels = kernels;
        this.limits = limits;
        this.service = new GenerationService(new BatchedGenerator(model, vocabulary, kernels, limits.maxStreams()),
                limits.queue());
        this.http = HttpServer.create(address, 256);
        http.setExecutor(requests);
        http.createContext("/v1/generate", this::generate);
        http.createContext("/v1/model", exchange -> answer(exchange, "GET", () -> json(exchange, 200, describe())));
        http.createContext("/health", exchange -> answer(exchange, "GET", () -> {
            JsonObject health = new JsonObject();
            health.addProperty("status", "ok");
            health.addProperty("active_streams", service.active());
            health.addProperty("queued_streams", service.queued());
            json(exchange, 200, health);
        }));
        http.createContext("/metrics", exchange -> answer(exchange, "GET", () -> send(exchange, 200,
                "text/plain; version=0.0.4", metrics.render(service))));
        http.createContext("/", exchange -> answer(exchange, "GET", () -> page(exchange)));
    }

    /**
     * Starts serving {@code model} at {@code host:port} (port 0 picks a free one).
     *
     * @throws IOException if the address cannot be bound
     */
    public static GenerationServer start(RecurrentModel model, Vocabulary vocabulary, RecurrentKernels kernels,
                                         Limits limits, String host, int port) throws IOException {
        GenerationServer server = new GenerationServer(model, vocabulary, kernels, limits,
                new InetSocketAddress(host, port));
        server.http.start();
        return server;
    }

    /** The address it listens on. */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** Streams generating now; the fuzz tests check that none is left behind. */
    public int activeStreams() {
        return service.active();
    }

    /** Requests waiting for a stream. */
    public int queuedStreams() {
        return service.queued();
    }

    /** Stops accepting, ends the streams in flight (each client gets its end), and frees the port. */
    @Override
    public void close() {
        service.close();
        http.stop(1);
        requests.shutdown();
    }

    private JsonObject describe() {
        ModelShape shape = model.shape();
        JsonObject description = new JsonObject();
        description.addProperty("cell", shape.cell().id());
        description.addProperty("layers", shape.layers());
        description.addProperty("hidden_size", shape.hiddenSize());
        description.addProperty("vocabulary_size", vocabulary.size());
        StringBuilder characters = new StringBuilder();
        for (int cp : vocabulary.codePoints()) {
            characters.appendCodePoint(cp);
        }
        description.addProperty("vocabulary", characters.toString());
        description.addProperty("kernels", kernels.name());
        description.addProperty("max_streams", limits.maxStreams());
        description.addProperty("max_length", limits.maxLength());
        return description;
    }

    /** What one exchange does, allowed to fail with an I/O error (a client that went away). */
    @FunctionalInterface
    private interface Handler {
        void handle() throws IOException;
    }

    /** Runs {@code handler} for {@code method}, answers 405 otherwise, and counts the status. */
    private void answer(HttpExchange exchange, String method, Handler handler) {
        try (exchange) {
            if (!exchange.getRequestMethod().equals(method)) {
                exchange.getResponseHeaders().set("Allow", method);
                error(exchange, 405, null, exchange.getRequestMethod() + " is not allowed here; use " + method);
                return;
            }
            handler.handle();
        } catch (IOException clientGone) {
            // Nothing to answer to: the client closed the connection.
        }
    }

    private void generate(HttpExchange exchange) {
        long started = System.nanoTime();
        answer(exchange, "POST", () -> {
            byte[] body = readBody(exchange);
            if (body == null) {
                error(exchange, 413, null, "the body is over " + limits.maxBodyBytes() + " bytes");
                return;
            }
            GenerateRequest request;
            try {
                request = GenerateRequest.parse(new String(body, StandardCharsets.UTF_8), limits.maxLength());
            } catch (GenerateRequest.BadRequest e) {
                error(exchange, 400, e.field, e.getMessage());
                return;
            }
            GenerationService.Ticket ticket;
            try {
                ticket = service.submit(request.request());
            } catch (GenerationService.Busy busy) {
                exchange.getResponseHeaders().set("Retry-After", "1");
                error(exchange, 429, null, busy.getMessage());
                return;
            }
            try {
                if (request.stream()) {
                    streamOut(exchange, ticket, started);
                } else {
                    collect(exchange, ticket, started);
                }
            } finally {
                ticket.cancel();
            }
        });
    }

    /** The body, or null if it is longer than the limit. */
    private byte[] readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(limits.maxBodyBytes() + 1);
            return body.length > limits.maxBodyBytes() ? null : body;
        }
    }

    private void collect(HttpExchange exchange, GenerationService.Ticket ticket, long started) throws IOException {
        StringBuilder text = new StringBuilder();
        long firstAt = 0;
        while (true) {
            GenerationService.Event event = next(ticket);
            switch (event) {
                case GenerationService.Event.Text piece -> {
                    firstAt = firstAt == 0 ? System.nanoTime() : firstAt;
                    text.append(piece.piece());
                }
                case GenerationService.Event.Refused refused -> {
                    error(exchange, refused.status(), refused.field(), refused.message());
                    return;
                }
                case GenerationService.Event.End end -> {
                    JsonObject answer = summary(end, started, firstAt);
                    answer.addProperty("text", text.toString());
                    json(exchange, 200, answer);
                    metrics.served(started, firstAt);
                    return;
                }
            }
        }
    }

    private void streamOut(HttpExchange exchange, GenerationService.Ticket ticket, long started) throws IOException {
        GenerationService.Event first = next(ticket);
        if (first instanceof GenerationService.Event.Refused refused) {
            error(exchange, refused.status(), refused.field(), refused.message());
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        metrics.status(200);
        OutputStream out = exchange.getResponseBody();
        long firstAt = 0;
        long lastWrite = 0;
        StringBuilder pieces = new StringBuilder();
        for (GenerationService.Event event = first; ; ) {
            // Whatever the loop has made meanwhile goes out as one event: one write per wake-up, not per character,
            // which at small models costs more than generating the character.
            for (; event instanceof GenerationService.Event.Text piece; event = ticket.poll()) {
                pieces.append(piece.piece());
            }
            if (!pieces.isEmpty()) {
                firstAt = firstAt == 0 ? System.nanoTime() : firstAt;
                JsonObject data = new JsonObject();
                data.addProperty("text", pieces.toString());
                out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
                pieces.setLength(0);
                lastWrite = System.nanoTime();
            }
            if (event instanceof GenerationService.Event.End end) {
                out.write(("event: done\ndata: " + summary(end, started, firstAt) + "\n\n")
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
                metrics.served(started, firstAt);
                return;
            }
            out.flush();
            // The pause comes before the wait for text, not after it: text made meanwhile is then waiting when the
            // pause ends, and the generation loop has no sleeping thread to wake for each event, a system call on
            // the thread every stream's next character waits for.
            pace(lastWrite + limits.eventInterval().toNanos());
            event = next(ticket);
        }
    }

    /** Waits until {@code nanoTime} comes, while the generation loop adds text. */
    private static void pace(long nanoTime) throws IOException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(Duration.ofNanos(wait));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while pacing a stream");
            }
        }
    }

    /** The next event: every ticket gets its end, the service's close included, so this wait ends. */
    private static GenerationService.Event next(GenerationService.Ticket ticket) throws IOException {
        try {
            return ticket.next();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for text");
        }
    }

    private static JsonObject summary(GenerationService.Event.End end, long started, long firstAt) {
        JsonObject summary = new JsonObject();
        summary.addProperty("characters", end.characters());
        summary.addProperty("end", end.how().name().toLowerCase(Locale.ROOT));
        summary.addProperty("seconds", (System.nanoTime() - started) / 1e9);
        summary.addProperty("first_character_seconds", firstAt == 0 ? 0 : (firstAt - started) / 1e9);
        return summary;
    }

    private void page(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestURI().getPath().equals("/")) {
            error(exchange, 404, null, "no such page: " + exchange.getRequestURI().getPath());
            return;
        }
        try (InputStream in = GenerationServer.class.getResourceAsStream("index.html")) {
            send(exchange, 200, "text/html; charset=utf-8", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private void error(HttpExchange exchange, int status, String field, String message) throws IOException {
        JsonObject error = new JsonObject();
        error.addProperty("error", message);
        if (field != null) {
            error.addProperty("field", field);
        }
        json(exchange, status, error);
    }

    private void json(HttpExchange exchange, int status, JsonObject body) throws IOException {
        send(exchange, status, "application/json", body.toString());
    }

    private void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        metrics.status(status);
    }
}
