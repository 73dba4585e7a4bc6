package org.gatelane.spark;

import java.io.Serial;
import java.io.Serializable;

import org.gatelane.core.model.Cell;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.train.StreamGroup;
import org.gatelane.kernels.Kernels;
import org.gatelane.kernels.RecurrentKernels;

/**
 * What a task's replica of a stream group is built from: the model's shape, the chunk's steps, the dropout rate, and
 * the kernels the driver computes with, which every task must compute with too for the step to be the same.
 */
record ReplicaSpec(int inputSize, int hiddenSize, int layers, int outputSize, boolean oneHotInput, Cell cell,
                   int steps, float dropout, String kernels) implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    static ReplicaSpec of(StreamGroup group, String kernels) {
        return of(group.model().shape(), group.steps(), group.dropout(), kernels);
    }

    static ReplicaSpec of(ModelShape shape, int steps, float dropout, String kernels) {
        return new ReplicaSpec(shape.inputSize(), shape.hiddenSize(), shape.layers(), shape.outputSize(),
                shape.oneHotInput(), shape.cell(), steps, dropout, kernels);
    }

    /**
     * The kernels this JVM computes with, if they are the driver's.
     *
     * @throws IllegalStateException if they are not, since the results would then differ from the driver's
     */
    RecurrentKernels requireSameKernels() {
        RecurrentKernels here = Kernels.preferred();
        if (!here.name().equals(kernels)) {
            throw new IllegalStateException("this executor computes with " + here.name() + " kernels but the driver "
                    + "with " + kernels + ", so their results would differ; give every JVM of the job the same "
                    + "-Dgatelane.vectorBits (or -Dgatelane.kernels=scalar)");
        }
        return here;
    }

    ModelShape shape() {
        return new ModelShape(inputSize, hiddenSize, layers, outputSize, oneHotInput, cell);
    }
}
