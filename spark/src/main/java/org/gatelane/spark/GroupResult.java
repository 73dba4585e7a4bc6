package org.gatelane.spark;

import java.io.Serial;
import java.io.Serializable;

import org.gatelane.core.train.StreamGroup;

/** A group computed by a task: its loss, gradient and next state, and the seconds the computation took. */
record GroupResult(int index, float loss, float[] gradients, GroupTask.SerializedState next, double computeSeconds)
        implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    /** A copy of what {@code group} computed (its buffers are reused by the task's next group). */
    static GroupResult of(StreamGroup group, double computeSeconds) {
        return new GroupResult(group.index(), group.loss(), group.gradients().clone(),
                GroupTask.SerializedState.of(group.next()), computeSeconds);
    }

    /** Hands the result to the driver's group it was computed for. */
    void deliverTo(StreamGroup group) {
        group.accept(loss, gradients, next.toState());
    }
}
