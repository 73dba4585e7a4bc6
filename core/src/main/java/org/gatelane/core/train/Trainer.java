package org.gatelane.core.train;

import java.util.List;
import java.util.Objects;

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
 * its own workspace and gradient buffer, whose gradients are summed in group order. A {@link GroupRunner} computes
 * the groups: this machine's threads by default, a cluster's tasks if given one. It only decides who computes
 * which group, so results are bit-identical for any thread count, or machine count, with the same groups. Dropout
 * masks are drawn for every group, in group order, from the trainer's {@code dropoutRng} before any group runs, from
 * step {@link Batching#dropoutFrom()} on.
 *
 * <p>A step is failure-atomic: if it throws (bad input, a non-finite loss or gradient, a failing thread), the
 * parameters, the optimizer state and the carried state are as they were before it (the dropout generator has
 * advanced). Not thread-safe: one caller at a time. Close the trainer to stop its threads.
 */
public final class Trainer implements TrainingEngine {

    /**
     * The shape of every step.
     *
     * @param steps        T, time steps per chunk
     * @param streams      B, parallel streams per chunk
     * @param streamGroups how many contiguous groups the streams are cut into (part of what is computed: the
     *                     gradient sum follows the groups); at most {@code streams}
     * @param threads      threads per step; more than {@code streamGroups} are not used
     * @param dropout      the dropout rate p in {@code [0, 1)}, see {@link SequencePass}
     * @param dropoutFrom  the first step (0-based, as {@link Optimizer#step()} counts) whose passes apply dropout;
     *                     before it no masks are drawn
     */
    public record Batching(int steps, int streams, int streamGroups, int threads, float dropout, long dropoutFrom) {

        public Batching {
            if (dropoutFrom < 0) {
                throw new IllegalArgumentException("dropoutFrom must be at least 0 but was " + dropoutFrom);
            }
            if (steps < 1 || streams < 1 || threads < 1) {
                throw new IllegalArgumentException("steps, streams and threads must be at least 1 but were " + steps
                        + ", " + streams + " and " + threads);
            }
            if (streamGroups < 1 || streamGroups > streams) {
                throw new IllegalArgumentException("streamGroups must be in [1, streams = " + streams + "] but was "
                        + streamGroups);
            }
        }

        /** Dropout, at a rate above 0, from the first step. */
        public Batching(int steps, int streams, int streamGroups, int threads, float dropout) {
            this(steps, streams, streamGroups, threads, dropout, 0);
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
    private final List<StreamGroup> groups;
    private final GroupRunner runner;
    private boolean closed;
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
        this(model, kernels, optimizer, clipping, schedule, batching, dropoutRng,
                GroupRunner.threads(Math.min(batching.threads(), batching.streamGroups())));
    }

    /**
     * A trainer whose groups {@code runner} computes (its {@code batching.threads()} unused); closing the trainer
     * closes the runner.
     *
     * @param dropoutRng the generator of the dropout masks, live: save its {@link Rng#state()} to resume exactly
     */
    public Trainer(RecurrentModel model, RecurrentKernels kernels, Optimizer optimizer, GradientClipping clipping,
                   LearningRateSchedule schedule, Batching batching, Rng dropoutRng, GroupRunner runner) {
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
        StreamGroup[] cut = new StreamGroup[groupCount];
        for (int g = 0; g < groupCount; g++) {
            int from = streams * g / groupCount;
            int to = streams * (g + 1) / groupCount;
            cut[g] = new StreamGroup(new SequencePass(model, kernels, batching.steps(), to - from, batching.dropout()),
                    g, from, to, groupCount == 1 ? gradients : new float[gradients.length]);
        }
        this.groups = List.of(cut);
        this.runner = Objects.requireNonNull(runner, "runner");
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
        boolean dropping = optimizer.step() >= batching.dropoutFrom();
        // Indexed, here and below: an iterator over the groups is 32 bytes a step until C2 compiles the step,
        // which at tens of milliseconds a step can be thousands of steps into a run.
        for (int g = 0; g < groups.size(); g++) {
            groups.get(g).cut(inputs, targets, state, batching.streams(), dropoutRng, dropping);
        }
        runner.run(groups);
        float loss = combine();
        if (!Float.isFinite(loss)) {
            throw new NonFiniteException("the training loss is " + loss + " at step " + optimizer.step()
                    + "; lower the learning rate");
        }
        lastGradientNorm = clipping.apply(kernels, gradients, twinBiases);
        optimizer.update(model.parameters(), gradients, schedule.rate(optimizer.step()), twinBiases);
        for (int g = 0; g < groups.size(); g++) {
            StreamGroup group = groups.get(g);
            RecurrentState.copyStreams(group.next(), 0, state, group.from(), group.width());
        }
        return loss;
    }

    /** One step: a trainer's round is one chunk long. */
    @Override
    public int roundLength() {
        return 1;
    }

    @Override
    public void round(int count, int[][] inputs, int[][] targets, boolean[][] restarts, float[] losses) {
        if (count != 1) {
            throw new IllegalArgumentException("a trainer's round is one chunk but was asked for " + count);
        }
        state.reset(restarts[0]);
        losses[0] = step(inputs[0], targets[0]);
    }

    /** Weighted by each group's share of the streams, summed in group order: the same for any thread count. */
    private float combine() {
        StreamGroup first = groups.getFirst();
        if (groups.size() == 1) {
            return first.loss(); // its gradients are the trainer's
        }
        int streams = batching.streams();
        System.arraycopy(first.gradients(), 0, gradients, 0, gradients.length);
        kernels.scale(gradients.length, first.share(streams), gradients, 0);
        float loss = first.loss() * first.share(streams);
        for (int g = 1; g < groups.size(); g++) { // indexed: a step allocates nothing
            StreamGroup group = groups.get(g);
            kernels.axpy(gradients.length, group.share(streams), group.gradients(), 0, gradients, 0);
            loss += group.loss() * group.share(streams);
        }
        return loss;
    }

    /** Closes the group runner (the default's helper threads stop). */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            runner.close();
        }
    }

    @Override
    public int localThreads() {
        return runner.localThreads();
    }

    /** The carried state, live. */
    @Override
    public RecurrentState state() {
        return state;
    }

    @Override
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
    @Override
    public Rng dropoutRng() {
        return dropoutRng;
    }

    /** The global gradient norm of the last step, before clipping. */
    public float lastGradientNorm() {
        return lastGradientNorm;
    }
}
