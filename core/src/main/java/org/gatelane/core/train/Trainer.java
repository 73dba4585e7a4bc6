package org.gatelane.core.train;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;

import org.gatelane.core.model.Bytes;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.ParameterLayout;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.model.Rng;
import org.gatelane.core.model.SequencePass;
import org.gatelane.kernels.RecurrentKernels;

/**
 * Truncated BPTT with carried state: each {@link #step} runs forward and backward over one chunk of
 * {@code steps x streams} symbols, checks the loss and gradients, clips, and updates the parameters. The state
 * after a chunk is the initial state of the next. After construction a step allocates nothing.
 *
 * <p>The update is PyTorch's for the same model: each gate bias that stands for PyTorch's {@code b_ih + b_hh}
 * ({@link ParameterLayout#twinBiases()}) steps as those two tensors together would, at twice the rate, and counts
 * twice in the clipping norm. With one bias per gate at the plain rate, training from the same weights diverged
 * from PyTorch's into models that fail on rare inputs (see {@code bench/results/quality-spikes.md}).
 *
 * <p>The streams are cut into a fixed number of contiguous {@linkplain Batching#streamGroups() groups}, each with
 * its own workspace and gradient buffer, whose gradients are summed in group order. Threads only decide who
 * computes which group, so results are bit-identical for any thread count with the same groups; more threads
 * than groups are not used. Dropout masks are drawn for every group, in group order, from the trainer's
 * {@code dropoutRng} before any group runs.
 *
 * <p>A step is failure-atomic: if it throws (bad input, a non-finite loss or gradient, a failing thread), the
 * parameters, the optimizer state and the carried state are as they were before it (the dropout generator has
 * advanced). Not thread-safe: one caller at a time. Close the trainer to stop its threads.
 */
public final class Trainer implements AutoCloseable {

    /**
     * The shape of every step.
     *
     * @param steps        T, time steps per chunk
     * @param streams      B, parallel streams per chunk
     * @param streamGroups how many contiguous groups the streams are cut into (part of what is computed: the
     *                     gradient sum follows the groups); at most {@code streams}
     * @param threads      threads per step; more than {@code streamGroups} are not used
     * @param dropout      the dropout rate p in {@code [0, 1)}, see {@link SequencePass}
     */
    public record Batching(int steps, int streams, int streamGroups, int threads, float dropout) {

        public Batching {
            if (steps < 1 || streams < 1 || threads < 1) {
                throw new IllegalArgumentException("steps, streams and threads must be at least 1 but were " + steps
                        + ", " + streams + " and " + threads);
            }
            if (streamGroups < 1 || streamGroups > streams) {
                throw new IllegalArgumentException("streamGroups must be in [1, streams = " + streams + "] but was "
                        + streamGroups);
            }
        }

        /** One group, one thread, no dropout. */
        public static Batching of(int steps, int streams) {
            return new Batching(steps, streams, 1, 1, 0f);
        }
    }

    private final RecurrentModel model;
    /** The biases that stand for PyTorch's two (see {@link ParameterLayout#twinBiases()}). */
    private final int[] twinBiases;
    private final RecurrentKernels kernels;
    private final Optimizer optimizer;
    private final GradientClipping clipping;
    private final LearningRateSchedule schedule;
    private final Batching batching;
    private final Rng dropoutRng;
    private final RecurrentState state;
    private final float[] gradients;
    private final StreamGroup[] groups;
    private final int threads;
    private final CyclicBarrier barrier;
    private final Thread[] helpers;
    private final RuntimeException[] failures;
    private volatile boolean closed;
    private float lastGradientNorm;

    /** A single-threaded trainer over one group of streams, without dropout. */
    public Trainer(RecurrentModel model, RecurrentKernels kernels, int steps, int streams, Optimizer optimizer,
                   GradientClipping clipping, LearningRateSchedule schedule) {
        this(model, kernels, optimizer, clipping, schedule, Batching.of(steps, streams), new Rng(0));
    }

    /**
     * @param dropoutRng the generator of the dropout masks, live: save its {@link Rng#state()} to resume exactly
     */
    public Trainer(RecurrentModel model, RecurrentKernels kernels, Optimizer optimizer, GradientClipping clipping,
                   LearningRateSchedule schedule, Batching batching, Rng dropoutRng) {
        this.model = model;
        this.twinBiases = model.layout().twinBiases();
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.clipping = Objects.requireNonNull(clipping, "clipping");
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.batching = batching;
        this.dropoutRng = Objects.requireNonNull(dropoutRng, "dropoutRng");
        int streams = batching.streams();
        this.state = RecurrentState.zeros(model.shape(), streams);
        this.gradients = new float[model.layout().size()];
        int groupCount = batching.streamGroups();
        this.groups = new StreamGroup[groupCount];
        for (int g = 0; g < groupCount; g++) {
            int from = streams * g / groupCount;
            int to = streams * (g + 1) / groupCount;
            groups[g] = new StreamGroup(new SequencePass(model, kernels, batching.steps(), to - from, batching.dropout()),
                    from, to, groupCount == 1 ? gradients : new float[gradients.length]);
        }
        this.threads = Math.min(batching.threads(), groupCount);
        this.failures = new RuntimeException[threads];
        this.barrier = new CyclicBarrier(threads);
        this.helpers = new Thread[threads - 1];
        for (int t = 1; t < threads; t++) {
            int worker = t;
            helpers[t - 1] = Thread.ofPlatform().daemon().name("gatelane-trainer-" + t)
                    .start(() -> helperLoop(worker));
        }
    }

    /**
     * Bytes of heap a trainer of {@code shape} with {@code optimizer} and {@code batching} allocates (the model
     * included), counted without overflow, so a size can be refused before anything is allocated.
     */
    public static long requiredBytes(ModelShape shape, Optimizer.Kind optimizer, Batching batching) {
        long parameterArrays = 2L + optimizer.stateArrays() + (batching.streamGroups() > 1 ? batching.streamGroups() : 0);
        long floats = shape.parameterCount() * parameterArrays;
        int groups = batching.streamGroups();
        for (int g = 0; g < groups; g++) {
            int width = batching.streams() * (g + 1) / groups - batching.streams() * g / groups;
            floats += SequencePass.workspaceFloats(shape, batching.steps(), width, batching.dropout())
                    + 4L * shape.layers() * width * shape.hiddenSize();
        }
        return 4 * (floats + 2L * shape.layers() * batching.streams() * shape.hiddenSize());
    }

    /**
     * Refuses, before allocating, a trainer that would not fit in this JVM's heap, with {@code extraCopies} more
     * arrays of the parameters' size beside it (a caller's snapshot, say).
     *
     * @throws IllegalArgumentException naming the bytes needed and the bytes the heap may grow to
     */
    public static void requireHeap(ModelShape shape, Optimizer.Kind optimizer, Batching batching, int extraCopies) {
        long needed = requiredBytes(shape, optimizer, batching) + 4L * extraCopies * shape.parameterCount();
        long available = Runtime.getRuntime().maxMemory();
        if (needed > available) {
            throw new IllegalArgumentException("training H=" + shape.hiddenSize() + " x " + shape.layers()
                    + " layers over " + batching.streams() + " streams x " + batching.steps() + " steps needs "
                    + Bytes.describe(needed) + " of heap but this JVM may use " + Bytes.describe(available)
                    + "; make the model or the batch smaller, or raise the heap (-Xmx)");
        }
    }

    /**
     * One training step on a chunk (time-major, see {@link SequencePass}).
     *
     * @return the chunk's mean cross-entropy in nats, before the update
     * @throws NonFiniteException if the loss or a gradient is NaN or infinite; parameters, optimizer state and
     *                            carried state are then unchanged
     */
    public float step(int[] inputs, int[] targets) {
        if (closed) {
            throw new IllegalStateException("this trainer is closed");
        }
        int positions = batching.steps() * batching.streams();
        if (inputs.length != positions || targets.length != positions) {
            throw new IllegalArgumentException("inputs and targets must hold " + positions + " symbols ("
                    + batching.steps() + " steps x " + batching.streams() + " streams) but hold " + inputs.length
                    + " and " + targets.length);
        }
        for (StreamGroup group : groups) {
            group.load(inputs, targets, state, batching.streams());
            group.bptt.drawDropoutMasks(dropoutRng);
        }
        runGroups();
        float loss = combine();
        if (!Float.isFinite(loss)) {
            throw new NonFiniteException("the training loss is " + loss + " at step " + optimizer.step()
                    + "; lower the learning rate");
        }
        lastGradientNorm = clipping.apply(kernels, gradients, twinBiases);
        optimizer.update(model.parameters(), gradients, schedule.rate(optimizer.step()), twinBiases);
        for (StreamGroup group : groups) {
            RecurrentState.copyStreams(group.next, 0, state, group.from, group.to - group.from);
        }
        return loss;
    }

    /** Every worker runs its groups; the caller is worker 0. Every worker reaches both barriers, failed or not. */
    private void runGroups() {
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

    /** Groups {@code worker, worker + threads, ...}: which thread runs a group never changes what it computes. */
    private void runShare(int worker) {
        for (int g = worker; g < groups.length; g += threads) {
            groups[g].run();
        }
    }

    /** Weighted by each group's share of the streams, summed in group order: the same for any thread count. */
    private float combine() {
        if (groups.length == 1) {
            return groups[0].loss;
        }
        int streams = batching.streams();
        System.arraycopy(groups[0].gradients, 0, gradients, 0, gradients.length);
        kernels.scale(gradients.length, groups[0].share(streams), gradients, 0);
        float loss = groups[0].loss * groups[0].share(streams);
        for (int g = 1; g < groups.length; g++) {
            kernels.axpy(gradients.length, groups[g].share(streams), groups[g].gradients, 0, gradients, 0);
            loss += groups[g].loss * groups[g].share(streams);
        }
        return loss;
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

    /** The carried state, live. */
    public RecurrentState state() {
        return state;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public RecurrentModel model() {
        return model;
    }

    public Batching batching() {
        return batching;
    }

    /** The generator of the dropout masks, live. */
    public Rng dropoutRng() {
        return dropoutRng;
    }

    /** The global gradient norm of the last step, before clipping. */
    public float lastGradientNorm() {
        return lastGradientNorm;
    }

    /** Streams {@code [from, to)} of every chunk, with their own workspace. */
    private static final class StreamGroup {
        final SequencePass bptt;
        final int from;
        final int to;
        final float[] gradients;
        final int[] inputs;
        final int[] targets;
        final RecurrentState initial;
        final RecurrentState next;
        float loss;

        StreamGroup(SequencePass bptt, int from, int to, float[] gradients) {
            this.bptt = bptt;
            this.from = from;
            this.to = to;
            this.gradients = gradients;
            this.inputs = new int[bptt.steps() * (to - from)];
            this.targets = new int[inputs.length];
            ModelShape shape = bptt.model().shape();
            this.initial = RecurrentState.zeros(shape, to - from);
            this.next = RecurrentState.zeros(shape, to - from);
        }

        float share(int streams) {
            return (float) (to - from) / streams;
        }

        /** Copies this group's streams out of the full chunk and carried state. */
        void load(int[] allInputs, int[] allTargets, RecurrentState carried, int streams) {
            int width = to - from;
            for (int t = 0; t < bptt.steps(); t++) {
                System.arraycopy(allInputs, t * streams + from, inputs, t * width, width);
                System.arraycopy(allTargets, t * streams + from, targets, t * width, width);
            }
            RecurrentState.copyStreams(carried, from, initial, 0, width);
        }

        void run() {
            loss = bptt.lossAndGradients(inputs, targets, initial, next, gradients, null);
        }
    }
}
