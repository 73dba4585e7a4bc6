package org.gatelane.bench;

import org.gatelane.kernels.Kernels;
import org.gatelane.kernels.RecurrentKernels;

/**
 * The two kernel implementations a benchmark compares, as a JMH {@code @Param} value. Both come through the
 * front door, as users get them: its argument checks are O(1) per call, beside O(n) or more of work.
 */
public enum Implementation {
    scalar, vector;

    public RecurrentKernels kernels() {
        return this == scalar ? Kernels.scalar() : Kernels.vector();
    }
}
