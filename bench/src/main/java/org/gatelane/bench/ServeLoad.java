package org.gatelane.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import com.google.gson.JsonParser;

/**
 * A load on {@code gatelane serve}: N clients on loopback, each asking for streamed text again and again until the
 * time is up, timing every event. Prints one JSON line: aggregate chars/s, time to first character and the time
 * between characters (p50 and p99, milliseconds) over the measured seconds, and the time to first character of
 * the burst at the start, when every client asks at once. Bounded: every loop ends with the time, every request
 * with its length.
 *
 * <pre>java -cp bench/target/benchmarks.jar org.gatelane.bench.ServeLoad PORT CLIENTS SECONDS LENGTH [LABEL [PROMPT [WARMUP]]]</pre>
 *
 * <p>PROMPT is the number of characters of the prompt, "The " repeated and cut (default 4). Each request asks for
 * a length drawn uniformly from LENGTH/2 to 3·LENGTH/2 (seeded), so that clients that start together drift apart,
 * as users do, instead of all finishing at one step and asking again at once. The first WARMUP seconds (default
 * 0) are not measured, except for the start's burst: the steady state comes after it.
 */
public final class ServeLoad {

    private ServeLoad() {
    }

    /** What one client measured. */
    private static final class Client {
        final SplittableRandom lengths;
        double burstFirstCharacterMillis = Double.NaN;
        final List<Double> firstCharacterMillis = new ArrayList<>();
        final List<Double> gapMillis = new ArrayList<>();
        long characters;
        int failures;

        Client(long seed) {
            lengths = new SplittableRandom(seed);
        }
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int clients = Integer.parseInt(args[1]);
        double seconds = Double.parseDouble(args[2]);
        int length = Integer.parseInt(args[3]);
        String label = args.length > 4 ? args[4] : "";
        int promptLength = args.length > 5 ? Integer.parseInt(args[5]) : 4;
        double warmup = args.length > 6 ? Double.parseDouble(args[6]) : 0;
        String prompt = "The ".repeat(promptLength / 4 + 1).substring(0, promptLength);
        long started = System.nanoTime();
        long measuredFrom = started + (long) (warmup * 1e9);
        long deadline = measuredFrom + (long) (seconds * 1e9);
        List<Client> results = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        AtomicLong seeds = new AtomicLong();
        for (int i = 0; i < clients; i++) {
            Client client = new Client(i);
            results.add(client);
            threads.add(Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < deadline) {
                    try {
                        int asked = length / 2 + client.lengths.nextInt(length + 1);
                        request(port, prompt, asked, seeds.incrementAndGet(), client, measuredFrom, deadline);
                    } catch (IOException e) {
                        client.failures++;
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        double elapsed = (System.nanoTime() - measuredFrom) / 1e9;
        List<Double> burst = new ArrayList<>();
        List<Double> first = new ArrayList<>();
        List<Double> gaps = new ArrayList<>();
        long characters = 0;
        int failures = 0;
        for (Client client : results) {
            if (!Double.isNaN(client.burstFirstCharacterMillis)) {
                burst.add(client.burstFirstCharacterMillis);
            }
            first.addAll(client.firstCharacterMillis);
            gaps.addAll(client.gapMillis);
            characters += client.characters;
            failures += client.failures;
        }
        System.out.println(String.format(Locale.ROOT, "{\"label\": \"%s\", \"clients\": %d, \"prompt\": %d, "
                        + "\"seconds\": %.2f, "
                        + "\"characters\": %d, \"chars_per_second\": %.1f, \"first_character_ms_p50\": %.3f, "
                        + "\"first_character_ms_p99\": %.3f, \"gap_ms_p50\": %.3f, \"gap_ms_p99\": %.3f, "
                        + "\"burst_first_character_ms_p50\": %.3f, \"burst_first_character_ms_max\": %.3f, "
                        + "\"warmup_seconds\": %.1f, \"requests\": %d, \"failures\": %d}", label, clients, promptLength,
                elapsed, characters, characters / elapsed, percentile(first, 0.5), percentile(first, 0.99),
                percentile(gaps, 0.5), percentile(gaps, 0.99), percentile(burst, 0.5), percentile(burst, 1),
                warmup, first.size(), failures));
    }

    /**
     * One streamed generation, read event by event; stops reading (and leaves) at the deadline. Only what happens
     * from {@code measuredFrom} on is counted, but the first request of each client times its first character.
     */
    private static void request(int port, String prompt, int length, long seed, Client client, long measuredFrom,
                                long deadline) throws IOException {
        String body = "{\"prompt\": \"" + prompt + "\", \"length\": " + length + ", \"seed\": " + seed
                + ", \"stream\": true}";
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            long sent = System.nanoTime();
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Connection: close\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            String status = in.readLine();
            if (status == null || !status.startsWith("HTTP/1.1 200")) {
                throw new IOException("answered " + status);
            }
            long last = 0;
            for (String line; (line = in.readLine()) != null && System.nanoTime() < deadline; ) {
                if (line.startsWith("event: done")) {
                    return;
                }
                if (line.startsWith("data: {\"text\"")) {
                    long now = System.nanoTime();
                    String text = JsonParser.parseString(line.substring("data: ".length())).getAsJsonObject()
                            .get("text").getAsString();
                    int count = text.codePointCount(0, text.length());
                    // An event carries the characters made since the last one: the first of them waited, the
                    // others came with it.
                    boolean measured = now >= measuredFrom;
                    if (last == 0 && Double.isNaN(client.burstFirstCharacterMillis)) {
                        client.burstFirstCharacterMillis = (now - sent) / 1e6;
                    }
                    if (last == 0 && sent >= measuredFrom) {
                        client.firstCharacterMillis.add((now - sent) / 1e6);
                    } else if (last != 0 && measured) {
                        client.gapMillis.add((now - last) / 1e6);
                    }
                    for (int i = 1; i < count && measured; i++) {
                        client.gapMillis.add(0.0);
                    }
                    last = now;
                    client.characters += measured ? count : 0;
                }
            }
        }
    }

    private static double percentile(List<Double> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(p * sorted.size())));
    }
}
