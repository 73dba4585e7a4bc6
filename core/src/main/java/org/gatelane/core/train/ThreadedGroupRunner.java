package org.gatelane.core.train;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;

/**
 * Groups computed on this machine: the caller is worker 0, daemon helpers the others, meeting at a barrier before
 * and after each step. Worker {@code t} computes groups {@code t, t + threads, ...}, so which thread runs a group
 * never changes what it computes.
 */
final class ThreadedGroupRunner implements GroupRunner {

    private final int threads;
    private final CyclicBarrier barrier;
    private final Thread[] helpers;
    private final RuntimeException[] failures;
    private volatile boolean closed;
    /** The step's groups; written by the caller before the first barrier, read by the helpers after it. */
    private List<StreamGroup> groups = List.of();

    ThreadedGroupRunner(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1 but was " + threads);
        }
        this.threads = threads;
        this.failures = new RuntimeException[threads];
        this.barrier = new CyclicBarrier(threads);
        this.helpers = new Thread[threads - 1];
        for (int t = 1; t < threads; t++) {
            int worker = t;
            helpers[t - 1] = Thread.ofPlatform().daemon().name("gatelane-trainer-" + t)
                    .start(() -> helperLoop(worker));
        }
    }

    @Override
    public int localThreads() {
        return threads;
    }

    /** Every worker reaches both barriers, failed or not. */
    @Override
    public void run(List<StreamGroup> stepGroups) {
        if (closed) {
            throw new IllegalStateException("this runner is closed");
        }
        groups = stepGroups;
        if (threads == 1) {
            runShare(0);
            return;
        }
        await();
        try {
            runShare(0);
        } catch (RuntimeException e) {
            failures[0] = e;
        }
        await();
        for (int t = 0; t < threads; t++) {
            RuntimeException failure = failures[t];
            if (failure != null) {
                Arrays.fill(failures, null);
                throw failure;
            }
        }
    }

    private void runShare(int worker) {
        for (int g = worker; g < groups.size(); g += threads) {
            groups.get(g).compute();
        }
    }

    private void helperLoop(int worker) {
        while (true) {
            try {
                barrier.await();
                if (closed) {
                    return;
                }
                try {
                    runShare(worker);
                } catch (RuntimeException e) {
                    failures[worker] = e;
                }
                barrier.await();
            } catch (InterruptedException | BrokenBarrierException e) {
                return;
            }
        }
    }

    private void await() {
        try {
            barrier.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the training threads", e);
        } catch (BrokenBarrierException e) {
            throw new IllegalStateException("a training thread failed", e);
        }
    }

    /** Stops the helper threads. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (helpers.length > 0) {
                barrier.reset();
                for (Thread helper : helpers) {
                    helper.interrupt();
                }
            }
        }
    }
}
