package org.gatelane.core;

import java.util.Objects;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;

import org.gatelane.kernels.LstmKernels;

/**
 * Truncated BPTT with carried state: each {@link #step} runs forward and backward over one chunk of
 * {@code steps x streams} symbols, checks the loss and gradients, clips, and updates the parameters. The state
 * after a chunk is the initial state of the next. After construction a step allocates nothing.
 *
 * <p>With {@code threads > 1} (and at least two streams) the streams are split into contiguous groups, one per
 * thread, each with its own workspace and gradient buffer; the gradients are then summed in group order, so a
 * fixed thread count reproduces results bit for bit, and different counts differ only by the rounding of that
 * sum. Close the trainer to stop its threads.
 */
public final class Trainer implements AutoCloseable {

    private final LstmModel model;
    private final LstmKernels kernels;
    private final Optimizer optimizer;
    private final GradientClipping clipping;
    private final LearningRateSchedule schedule;
    private final int streams;
    private final LstmState state;
    private final float[] gradients;
    private final StreamGroup[] groups;
    private final CyclicBarrier barrier;
    private final Thread[] helpers;
    private volatile boolean closed;
    private volatile RuntimeException helperFailure;
    private float lastGradientNorm;

    /** A single-threaded trainer. */
    public Trainer(LstmModel model, LstmKernels kernels, int steps, int streams, Optimizer optimizer,
                   GradientClipping clipping, LearningRateSchedule schedule) {
        this(model, kernels, steps, streams, optimizer, clipping, schedule, 1);
    }

    /**
     * @param threads threads per step; more than {@code streams} are not used
     */
    public Trainer(LstmModel model, LstmKernels kernels, int steps, int streams, Optimizer optimizer,
                   GradientClipping clipping, LearningRateSchedule schedule, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1 but was " + threads);
        }
        this.model = model;
        this.kernels = kernels;
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.clipping = Objects.requireNonNull(clipping, "clipping");
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.streams = streams;
        this.state = LstmState.zeros(model.shape(), streams);
        this.gradients = new float[model.layout().size()];
        int groupCount = Math.min(threads, streams);
        this.groups = new StreamGroup[groupCount];
        for (int g = 0; g < groupCount; g++) {
            int from = streams * g / groupCount;
            int to = streams * (g + 1) / groupCount;
            groups[g] = new StreamGroup(new Bptt(model, kernels, steps, to - from), from, to,
                    groupCount == 1 ? gradients : new float[gradients.length]);
        }
        this.barrier = new CyclicBarrier(groupCount);
        this.helpers = new Thread[groupCount - 1];
        for (int g = 1; g < groupCount; g++) {
            StreamGroup group = groups[g];
            helpers[g - 1] = Thread.ofPlatform().daemon().name("gatelane-trainer-" + g).start(() -> helperLoop(group));
        }
    }

    /**
     * One training step on a chunk (time-major, see {@link Bptt}).
     *
     * @return the chunk's mean cross-entropy in nats, before the update
     * @throws NonFiniteException if the loss or a gradient is NaN or infinite; parameters, optimizer state and
     *                            carried state are then unchanged
     */
    public float step(int[] inputs, int[] targets) {
        if (closed) {
            throw new IllegalStateException("this trainer is closed");
        }
        for (StreamGroup group : groups) {
            group.load(inputs, targets, state, streams);
        }
        if (groups.length == 1) {
            groups[0].run();
        } else {
            await();
            groups[0].run();
            await();
            if (helperFailure != null) {
                throw helperFailure;
            }
        }
        float loss = combine();
        if (!Float.isFinite(loss)) {
            throw new NonFiniteException("the training loss is " + loss + " at step " + optimizer.step()
                    + "; lower the learning rate or enable clipping");
        }
        lastGradientNorm = clipping.apply(kernels, gradients);
        optimizer.update(model.parameters(), gradients, schedule.rate(optimizer.step()));
        for (StreamGroup group : groups) {
            group.storeNextState(state);
        }
        return loss;
    }

    /** Weighted by each group's share of the streams, summed in group order: deterministic for a thread count. */
    private float combine() {
        if (groups.length == 1) {
            return groups[0].loss;
        }
        float loss = 0f;
        System.arraycopy(groups[0].gradients, 0, gradients, 0, gradients.length);
        kernels.scale(gradients.length, groups[0].share(streams), gradients, 0);
        loss += groups[0].loss * groups[0].share(streams);
        for (int g = 1; g < groups.length; g++) {
            kernels.axpy(gradients.length, groups[g].share(streams), groups[g].gradients, 0, gradients, 0);
            loss += groups[g].loss * groups[g].share(streams);
        }
        return loss;
    }

    private void helperLoop(StreamGroup group) {
        while (true) {
            try {
                barrier.await();
                if (closed) {
                    return;
                }
                try {
                    group.run();
                } catch (RuntimeException e) {
                    helperFailure = e;
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

    /** The carried state, live. */
    public LstmState state() {
        return state;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public LstmModel model() {
        return model;
    }

    /** The global gradient norm of the last step, before clipping. */
    public float lastGradientNorm() {
        return lastGradientNorm;
    }

    /** Streams {@code [from, to)} of every chunk, with their own workspace. */
    private static final class StreamGroup {
        final Bptt bptt;
        final int from;
        final int to;
        final float[] gradients;
        final int[] inputs;
        final int[] targets;
        final LstmState initial;
        final LstmState next;
        float loss;

        StreamGroup(Bptt bptt, int from, int to, float[] gradients) {
            this.bptt = bptt;
            this.from = from;
            this.to = to;
            this.gradients = gradients;
            this.inputs = new int[bptt.steps() * (to - from)];
            this.targets = new int[inputs.length];
            LstmShape shape = bptt.model().shape();
            this.initial = LstmState.zeros(shape, to - from);
            this.next = LstmState.zeros(shape, to - from);
        }

        float share(int streams) {
            return (float) (to - from) / streams;
        }

        /** Copies this group's streams out of the full chunk and carried state. */
        void load(int[] allInputs, int[] allTargets, LstmState carried, int streams) {
            int width = to - from;
            for (int t = 0; t < bptt.steps(); t++) {
                System.arraycopy(allInputs, t * streams + from, inputs, t * width, width);
                System.arraycopy(allTargets, t * streams + from, targets, t * width, width);
            }
            int h = carried.hiddenSize();
            for (int l = 0; l < carried.layers(); l++) {
                System.arraycopy(carried.h(l), from * h, initial.h(l), 0, width * h);
                System.arraycopy(carried.c(l), from * h, initial.c(l), 0, width * h);
            }
        }

        void run() {
            loss = bptt.lossAndGradients(inputs, targets, initial, next, gradients, null);
        }

        void storeNextState(LstmState carried) {
            int h = carried.hiddenSize();
            int width = to - from;
            for (int l = 0; l < carried.layers(); l++) {
                System.arraycopy(next.h(l), 0, carried.h(l), from * h, width * h);
                System.arraycopy(next.c(l), 0, carried.c(l), from * h, width * h);
            }
        }
    }
}
