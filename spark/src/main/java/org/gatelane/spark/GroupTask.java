package org.gatelane.spark;

import java.io.Serial;
import java.io.Serializable;

import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.train.StreamGroup;

/**
 * What a task needs to compute one stream group of a step, besides the parameters: the group's chunk, its carried
 * state, the state of the dropout generator its masks are drawn from and whether the step applies them.
 */
record GroupTask(int index, int from, int to, int[] inputs, int[] targets, SerializedState initial,
                 long dropoutRngState, boolean dropping) implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    static GroupTask of(StreamGroup group) {
        return new GroupTask(group.index(), group.from(), group.to(), group.inputs().clone(), group.targets().clone(),
                SerializedState.of(group.initial()), group.dropoutRngState(), group.dropping());
    }

    /** The carried state of a group's streams, as arrays a serializer can carry. */
    record SerializedState(int streams, int hiddenSize, float[][] h, float[][] c) implements Serializable {

        @Serial
        private static final long serialVersionUID = 1L;

        static SerializedState of(RecurrentState state) {
            int layers = state.layers();
            float[][] h = new float[layers][];
            float[][] c = new float[layers][];
            for (int l = 0; l < layers; l++) {
                h[l] = state.h(l).clone();
                c[l] = state.c(l).clone();
            }
            return new SerializedState(state.streams(), state.hiddenSize(), h, c);
        }

        RecurrentState toState() {
            RecurrentState state = new RecurrentState(h.length, streams, hiddenSize);
            for (int l = 0; l < h.length; l++) {
                System.arraycopy(h[l], 0, state.h(l), 0, h[l].length);
                System.arraycopy(c[l], 0, state.c(l), 0, c[l].length);
            }
            return state;
        }
    }
}
