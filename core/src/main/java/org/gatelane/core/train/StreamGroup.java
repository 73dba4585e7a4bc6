package org.gatelane.core.train;

import java.util.Objects;

import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.model.Rng;
import org.gatelane.core.model.SequencePass;
import org.gatelane.core.text.TextBatches;
import org.gatelane.kernels.RecurrentKernels;

/**
 * Streams {@code [from, to)} of every training chunk, with their own workspace: their inputs, targets and carried
 * state, and once computed their loss, gradient and next state. A {@link Trainer} cuts each chunk into its groups
 * and hands them to its {@link GroupRunner}; whoever computes a group computes exactly {@link #compute()}.
 *
 * <p>A group elsewhere (a cluster's task, say) is a replica: built with the same model, steps, streams and dropout,
 * {@linkplain #load loaded} with the original's chunk, carried state and dropout generator state, it computes the
 * same loss, gradient and next state bit for bit.
 */
public final class StreamGroup {

    private final SequencePass pass;
    private final int index;
    private final int from;
    private final int to;
    private final float[] gradients;
    private final int[] inputs;
    private final int[] targets;
    private final RecurrentState initial;
    private final RecurrentState next;
    private long dropoutRngState;
    private boolean dropping;
    private float loss;

    /**
     * Group {@code index}, streams {@code [from, to)}, over {@code model}'s live parameters.
     *
     * @param dropout the dropout rate of the passes, see {@link SequencePass}
     */
    public StreamGroup(RecurrentModel model, RecurrentKernels kernels, int steps, int index, int from, int to,
                       float dropout) {
        this(new SequencePass(model, kernels, steps, to - from, dropout), index, from, to,
                new float[model.layout().size()]);
    }

    StreamGroup(SequencePass pass, int index, int from, int to, float[] gradients) {
        this.pass = pass;
        this.index = index;
        this.from = from;
        this.to = to;
        this.gradients = gradients;
        this.inputs = new int[pass.steps() * (to - from)];
        this.targets = new int[inputs.length];
        this.initial = RecurrentState.zeros(pass.model().shape(), to - from);
        this.next = RecurrentState.zeros(pass.model().shape(), to - from);
    }

    /**
     * Cuts this group's streams out of the whole chunk and carried state, and draws its dropout masks if
     * {@code drop}, or else computes without dropout (and draws nothing).
     */
    void cut(int[] allInputs, int[] allTargets, RecurrentState carried, int streams, Rng dropoutRng, boolean drop) {
        TextBatches.copyStreams(allInputs, streams, from, width(), inputs);
        TextBatches.copyStreams(allTargets, streams, from, width(), targets);
        RecurrentState.copyStreams(carried, from, initial, 0, width());
        dropoutRngState = dropoutRng.state();
        applyDropout(dropoutRng, drop);
    }

    private void applyDropout(Rng dropoutRng, boolean drop) {
        dropping = drop;
        if (drop) {
            pass.drawDropoutMasks(dropoutRng);
        } else {
            pass.skipDropout();
        }
    }

    /**
     * Loads, into a replica, the chunk, carried state and dropout generator state of the group it stands for
     * ({@link #inputs()}, {@link #targets()}, {@link #initial()}, {@link #dropoutRngState()} and {@link #dropping()}
     * of the original).
     *
     * @throws IllegalArgumentException if a size is not this group's
     */
    public void load(int[] groupInputs, int[] groupTargets, RecurrentState carried, long dropoutState,
                     boolean drop) {
        if (groupInputs.length != inputs.length || groupTargets.length != targets.length
                || carried.streams() != width()) {
            throw new IllegalArgumentException("group " + index + " takes " + inputs.length + " inputs and targets and "
                    + width() + " streams of state but was given " + groupInputs.length + ", " + groupTargets.length
                    + " and " + carried.streams());
        }
        System.arraycopy(groupInputs, 0, inputs, 0, inputs.length);
        System.arraycopy(groupTargets, 0, targets, 0, targets.length);
        initial.copyFrom(carried);
        dropoutRngState = dropoutState;
        applyDropout(new Rng(dropoutState), drop);
    }

    /** Computes the loss, gradient and next state here, on the current parameters. */
    public void compute() {
        loss = pass.lossAndGradients(inputs, targets, initial, next, gradients, null);
    }

    /**
     * Takes a result computed elsewhere, by a replica of this group on the same parameters.
     *
     * @throws IllegalArgumentException if a size is not this group's
     */
    public void accept(float groupLoss, float[] groupGradients, RecurrentState groupNext) {
        Objects.requireNonNull(groupNext, "groupNext");
        if (groupGradients.length != gradients.length || groupNext.streams() != width()) {
            throw new IllegalArgumentException("group " + index + " has " + gradients.length + " gradients and "
                    + width() + " streams but the result has " + groupGradients.length + " and "
                    + groupNext.streams());
        }
        System.arraycopy(groupGradients, 0, gradients, 0, gradients.length);
        next.copyFrom(groupNext);
        loss = groupLoss;
    }

    /** Its place in the trainer's group order, the order the gradients are summed in. */
    public int index() {
        return index;
    }

    public int from() {
        return from;
    }

    public int to() {
        return to;
    }

    /** Streams in this group. */
    public int width() {
        return to - from;
    }

    public int steps() {
        return pass.steps();
    }

    /** The dropout rate of its passes. */
    public float dropout() {
        return pass.dropout();
    }

    /** The model the group computes on, live. */
    public RecurrentModel model() {
        return pass.model();
    }

    /** This group's inputs, time-major {@code [steps x width]}, live: do not change. */
    public int[] inputs() {
        return inputs;
    }

    /** This group's targets, as {@link #inputs()}. */
    public int[] targets() {
        return targets;
    }

    /** The state this group's streams start the chunk from, live: do not change. */
    public RecurrentState initial() {
        return initial;
    }

    /** Whether this chunk's passes apply dropout masks; false before a late dropout begins. */
    public boolean dropping() {
        return dropping;
    }

    /** The state of the dropout generator this group's masks were drawn from. */
    public long dropoutRngState() {
        return dropoutRngState;
    }

    /** The mean cross-entropy of this group's positions, once computed. */
    public float loss() {
        return loss;
    }

    /** The gradient of {@link #loss()}, once computed, live. */
    public float[] gradients() {
        return gradients;
    }

    /** The state after the chunk, once computed, live. */
    public RecurrentState next() {
        return next;
    }

    float share(int streams) {
        return (float) width() / streams;
    }
}
