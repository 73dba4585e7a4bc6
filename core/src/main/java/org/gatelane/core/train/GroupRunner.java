package org.gatelane.core.train;

import java.util.List;

/**
 * Computes the {@linkplain StreamGroup stream groups} of a training step: on this machine's threads (a trainer's
 * default, {@link #threads}), or elsewhere, on a cluster's tasks say. Whoever computes a group computes what
 * {@link StreamGroup#compute()} would, so a step is the same wherever its groups ran; the trainer then sums the
 * gradients in group order, clips and updates.
 */
public interface GroupRunner extends AutoCloseable {

    /**
     * Computes every group of a step, each by {@link StreamGroup#compute()} or, with a replica's result, by
     * {@link StreamGroup#accept}. The model's parameters do not change during the call.
     *
     * @throws RuntimeException if a group could not be computed; the groups' results are then undefined
     */
    void run(List<StreamGroup> groups);

    /**
     * Threads of this machine that a step keeps busy: one unless the groups run on local threads. A validation runs
     * on one thread, so it takes this many times what a step's share of the work would.
     */
    default int localThreads() {
        return 1;
    }

    /** Releases what the runner holds (threads, say); it is not used afterwards. */
    @Override
    void close();

    /**
     * A runner on {@code threads} threads of this machine (the caller's among them); thread {@code t} computes groups
     * {@code t, t + threads, ...}, and more threads than groups idle.
     */
    static GroupRunner threads(int threads) {
        return new ThreadedGroupRunner(threads);
    }
}
