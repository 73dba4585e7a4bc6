package org.gatelane.kernels;

/**
 * The numerical kernels a recurrent network needs, over {@code float[]} arrays addressed by offset, row-major,
 * by area: {@link MatrixKernels}, {@link ActivationKernels}, {@link CellKernels}, {@link LossKernels},
 * {@link OptimizerKernels} and {@link DropoutKernels}.
 *
 * <p>Two implementations exist, a scalar one (plain loops, the reference and the fallback) and a vector one
 * (JDK Vector API); they are not public: obtain them through {@link Kernels}, which checks every shape once
 * before delegating.
 *
 * <p>Conventions for every method: the caller owns every array; a kernel never allocates in steady state (the
 * GEMM keeps one scratch panel per thread), never starts a thread, and never keeps a reference after it returns.
 * Kernels hold no state between calls: one instance may be called from any number of threads at once. A matrix
 * {@code X [rows x cols]} with leading dimension {@code ldx} holds element {@code (r, c)} at
 * {@code x[xOff + r * ldx + c]}. Unless a method says otherwise, output ranges must not overlap input ranges.
 */
public interface RecurrentKernels extends MatrixKernels, ActivationKernels, CellKernels, LossKernels,
        OptimizerKernels, DropoutKernels {

    /** A short name for logs and benchmark tables, such as {@code "scalar"} or {@code "vector-256"}. */
    String name();

    /** The width in bits of the vectors these kernels compute on; 32 for scalar code. */
    default int vectorBits() {
        return Float.SIZE;
    }
}
