package org.gatelane.cli;

import java.io.PrintWriter;

/**
 * Training progress for a person. On a terminal, one status line (iteration, loss, chars/s, ETA) redrawn in
 * place under the log; elsewhere (a pipe, a file, CI) only the log lines, so logs stay readable.
 */
final class Progress {

    private static final long REDRAW_NANOS = 250_000_000L;

    private final PrintWriter out;
    private final boolean terminal;
    private final long total;
    private final long firstIteration;
    private final int charsPerIteration;
    private final long started = System.nanoTime();
    private long lastRedraw;
    private long iteration;
    private double loss;

    private Progress(PrintWriter out, boolean terminal, long total, long firstIteration, int charsPerIteration) {
        this.out = out;
        this.terminal = terminal;
        this.total = total;
        this.firstIteration = firstIteration;
        this.charsPerIteration = charsPerIteration;
        this.iteration = firstIteration;
    }

    static Progress forConsole(PrintWriter out, long total, long firstIteration, int charsPerIteration) {
        boolean terminal = System.console() != null && System.console().isTerminal();
        return new Progress(out, terminal, total, firstIteration, charsPerIteration);
    }

    void update(long iteration, double smoothedLoss) {
        this.iteration = iteration;
        this.loss = smoothedLoss;
        long now = System.nanoTime();
        if (terminal && now - lastRedraw > REDRAW_NANOS) {
            lastRedraw = now;
            out.print("\r\033[K" + statusLine());
            out.flush();
        }
    }

    /** Prints a log line above the status line. */
    void println(String line) {
        if (terminal) {
            out.print("\r\033[K");
        }
        out.println(line);
        if (terminal) {
            out.print(statusLine());
        }
        out.flush();
        Main.requireWritable(out);
    }

    void finish() {
        if (terminal) {
            out.print("\r\033[K");
        }
        out.println(String.format("done: %d iterations, loss %.4f, %s", iteration, loss, speed()));
        out.flush();
    }

    /** Characters per second since this run (or resume) started. */
    String speed() {
        return String.format("%,.0f chars/s", charsPerSecond());
    }

    private double charsPerSecond() {
        double seconds = Math.max(1e-9, (System.nanoTime() - started) / 1e9);
        return (iteration - firstIteration) * (double) charsPerIteration / seconds;
    }

    private String statusLine() {
        if (total == Long.MAX_VALUE) {
            // A run to a time budget: its end is a moment, not an iteration, and the header names it.
            return String.format("iter %d | loss %.4f | %s", iteration, loss, speed());
        }
        int width = 30;
        int filled = (int) (width * iteration / Math.max(1, total));
        double rate = (iteration - firstIteration) / Math.max(1e-9, (System.nanoTime() - started) / 1e9);
        long eta = rate > 0 ? (long) ((total - iteration) / rate) : 0;
        return String.format("[%s%s] iter %d/%d | loss %.4f | %s | ETA %dm%02ds", "#".repeat(filled),
                " ".repeat(width - filled), iteration, total, loss, speed(), eta / 60, eta % 60);
    }
}
