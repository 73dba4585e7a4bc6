package org.gatelane.bench;

import org.gatelane.kernels.LstmKernels;
import org.gatelane.kernels.ScalarKernels;
import org.gatelane.kernels.VectorKernels;

/** The two kernel implementations a benchmark compares, as a JMH {@code @Param} value. */
public enum Implementation {
    scalar, vector;

    /** The raw implementation, without the front door's O(1) argument checks. */
    public LstmKernels kernels() {
        return this == scalar ? new ScalarKernels() : new VectorKernels();
    }
}
