package org.gatelane.spark;

import java.io.Serial;
import java.io.Serializable;

import org.gatelane.core.model.Cell;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.train.StreamGroup;

/**
 * What a task's replica of a stream group is built from: the model's shape, the chunk's steps, the dropout rate, and
 * the kernels the driver computes with, which every task must compute with too for the step to be the same.
 */
record ReplicaSpec(int inputSize, int hiddenSize, int layers, int outputSize, boolean oneHotInput, Cell cell,
                   int steps, float dropout, String kernels) implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    static ReplicaSpec of(StreamGroup group, String kernels) {
        ModelShape shape = group.model().shape();
        return new ReplicaSpec(shape.inputSize(), shape.hiddenSize(), shape.layers(), shape.outputSize(),
                shape.oneHotInput(), shape.cell(), group.steps(), group.dropout(), kernels);
    }

    ModelShape shape() {
        return new ModelShape(inputSize, hiddenSize, layers, outputSize, oneHotInput, cell);
    }
}
