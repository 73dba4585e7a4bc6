package org.gatelane.core;

import java.util.Objects;

import org.gatelane.kernels.LstmKernels;

/**
 * Truncated BPTT with carried state: each {@link #step} runs forward and backward over one chunk of
 * {@code steps x streams} symbols, checks the loss and gradients, clips, and updates the parameters. The state
 * after a chunk is the initial state of the next. After construction a step allocates nothing.
 */
public final class Trainer {

    private final LstmModel model;
    private final LstmKernels kernels;
    private final Bptt bptt;
    private final Optimizer optimizer;
    private final GradientClipping clipping;
    private final LearningRateSchedule schedule;
    private final LstmState state;
    private final LstmState nextState;
    private final float[] gradients;
    private float lastGradientNorm;

    public Trainer(LstmModel model, LstmKernels kernels, int steps, int streams, Optimizer optimizer,
                   GradientClipping clipping, LearningRateSchedule schedule) {
        this.model = model;
        this.kernels = kernels;
        this.bptt = new Bptt(model, kernels, steps, streams);
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.clipping = Objects.requireNonNull(clipping, "clipping");
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.state = LstmState.zeros(model.shape(), streams);
        this.nextState = LstmState.zeros(model.shape(), streams);
        this.gradients = new float[model.layout().size()];
    }

    /**
     * One training step on a chunk (time-major, see {@link Bptt}).
     *
     * @return the chunk's mean cross-entropy in nats, before the update
     * @throws NonFiniteException if the loss or a gradient is NaN or infinite; parameters, optimizer state and
     *                            carried state are then unchanged
     */
    public float step(int[] inputs, int[] targets) {
        float loss = bptt.lossAndGradients(inputs, targets, state, nextState, gradients, null);
        if (!Float.isFinite(loss)) {
            throw new NonFiniteException("the training loss is " + loss + " at step " + optimizer.step()
                    + "; lower the learning rate or enable clipping");
        }
        lastGradientNorm = clipping.apply(kernels, gradients);
        optimizer.update(model.parameters(), gradients, schedule.rate(optimizer.step()));
        state.copyFrom(nextState);
        return loss;
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
}
