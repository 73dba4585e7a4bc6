package org.gatelane.core.train;

import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.model.Rng;
import org.gatelane.kernels.RecurrentKernels;

/**
 * What a {@link TrainingLoop} trains with: it takes the loop's chunks a round at a time and updates the model, the
 * optimizer and the carried state. A {@link Trainer} takes one chunk a round (one step); an engine that averages
 * workers every K steps takes K. The loop does everything else (data, schedule, validation, checkpoints).
 */
public interface TrainingEngine extends AutoCloseable {

    /** Most chunks one round takes. */
    int roundLength();

    /**
     * Trains on chunks {@code 0 .. count - 1}, in order (time-major, see {@link org.gatelane.core.model.SequencePass});
     * before chunk {@code k}, the carried state of each stream {@code b} with {@code restarts[k][b]} starts again
     * from zeros (see {@link org.gatelane.core.text.TextBatches#restarts}).
     *
     * @param losses receives each chunk's mean cross-entropy in nats, before the update that chunk made
     * @throws NonFiniteException if a loss or gradient is NaN or infinite; the parameters and the optimizer are
     *                            then as they were before the round
     */
    void round(int count, int[][] inputs, int[][] targets, boolean[][] restarts, float[] losses);

    /** The carried state after the last round, live. */
    RecurrentState state();

    /** The optimizer, live: its state is what a checkpoint saves and a rollback restores. */
    Optimizer optimizer();

    /** The generator of the dropout masks, live. */
    Rng dropoutRng();

    /** Threads of this machine a round keeps busy (see {@link GroupRunner#localThreads}). */
    default int localThreads() {
        return 1;
    }

    /** Releases what the engine holds (threads, say). */
    @Override
    void close();

    /** Makes the engine of a run, from the pieces the loop built for it. */
    @FunctionalInterface
    interface Factory {

        TrainingEngine create(RecurrentModel model, RecurrentKernels kernels, Optimizer optimizer,
                              GradientClipping clipping, LearningRateSchedule schedule, Trainer.Batching batching,
                              Rng dropoutRng);

        /** A {@link Trainer} on {@code threads} threads of this machine, no more than the stream groups. */
        static Factory threads(int threads) {
            return (model, kernels, optimizer, clipping, schedule, batching, dropoutRng) -> new Trainer(model,
                    kernels, optimizer, clipping, schedule, batching, dropoutRng,
                    GroupRunner.threads(Math.min(threads, batching.streamGroups())));
        }

        /** A {@link Trainer} whose stream groups {@code runner} computes. */
        static Factory groups(GroupRunner runner) {
            return (model, kernels, optimizer, clipping, schedule, batching, dropoutRng) -> new Trainer(model,
                    kernels, optimizer, clipping, schedule, batching, dropoutRng, runner);
        }
    }
}
