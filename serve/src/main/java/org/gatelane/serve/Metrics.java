package org.gatelane.serve;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** What {@code GET /metrics} reports, in the Prometheus text format. */
final class Metrics {

    /** Upper bounds of the latency buckets, in seconds. */
    private static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    private final Map<Integer, AtomicLong> requestsByStatus = new ConcurrentSkipListMap<>();
    private final Histogram requestSeconds = new Histogram();
    private final Histogram firstCharacterSeconds = new Histogram();

    void status(int status) {
        requestsByStatus.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
    }

    /** A generation answered: its whole time and its time to the first character (0 if it had none). */
    void served(long startedNanos, long firstCharacterNanos) {
        requestSeconds.add((System.nanoTime() - startedNanos) / 1e9);
        if (firstCharacterNanos != 0) {
            firstCharacterSeconds.add((firstCharacterNanos - startedNanos) / 1e9);
        }
    }

    String render(GenerationService service) {
        StringBuilder text = new StringBuilder();
        text.append("# HELP gatelane_requests_total HTTP requests answered, by status.\n");
        text.append("# TYPE gatelane_requests_total counter\n");
        requestsByStatus.forEach((status, count) -> text.append("gatelane_requests_total{status=\"").append(status)
                .append("\"} ").append(count.get()).append('\n'));
        gauge(text, "gatelane_active_streams", "Streams generating now.", service.active());
        gauge(text, "gatelane_queued_streams", "Requests waiting for a stream.", service.queued());
        text.append("# HELP gatelane_characters_generated_total Characters generated.\n");
        text.append("# TYPE gatelane_characters_generated_total counter\n");
        text.append("gatelane_characters_generated_total ").append(service.generatedCharacters()).append('\n');
        requestSeconds.render(text, "gatelane_request_seconds", "Time from a generation request to its last "
                + "character.");
        firstCharacterSeconds.render(text, "gatelane_first_character_seconds", "Time from a generation request to "
                + "its first character.");
        return text.toString();
    }

    private static void gauge(StringBuilder text, String name, String help, long value) {
        text.append("# HELP ").append(name).append(' ').append(help).append('\n');
        text.append("# TYPE ").append(name).append(" gauge\n");
        text.append(name).append(' ').append(value).append('\n');
    }

    /** Cumulative buckets, a sum and a count, as Prometheus histograms are kept. */
    private static final class Histogram {
        private final AtomicLongArray counts = new AtomicLongArray(BUCKETS.length + 1);
        private final AtomicLong microsSum = new AtomicLong();

        void add(double seconds) {
            int bucket = 0;
            while (bucket < BUCKETS.length && seconds > BUCKETS[bucket]) {
                bucket++;
            }
            counts.incrementAndGet(bucket);
            microsSum.addAndGet(Math.round(seconds * 1e6));
        }

        void render(StringBuilder text, String name, String help) {
            text.append("# HELP ").append(name).append(' ').append(help).append('\n');
            text.append("# TYPE ").append(name).append(" histogram\n");
            long cumulative = 0;
            for (int i = 0; i <= BUCKETS.length; i++) {
                cumulative += counts.get(i);
                String bound = i < BUCKETS.length ? Double.toString(BUCKETS[i]) : "+Inf";
                text.append(name).append("_bucket{le=\"").append(bound).append("\"} ").append(cumulative).append('\n');
            }
            text.append(name).append("_sum ").append(microsSum.get() / 1e6).append('\n');
            text.append(name).append("_count ").append(cumulative).append('\n');
        }
    }
}
