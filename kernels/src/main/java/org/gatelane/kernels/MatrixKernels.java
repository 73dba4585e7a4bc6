package org.gatelane.kernels;

import java.util.Arrays;

/**
 * Matrix products and the row-wise data moves around them: GEMM in its three forms and over a packed B, the
 * gate GEMV and its transpose, the one-hot gather ({@code axpy}), row sums, transposes and elementwise products.
 *
 * <p>Every kernel family shares {@link RecurrentKernels}'s conventions: arrays addressed by offset, row-major, owned
 * by the caller; no allocation in steady state, no threads, no state between calls.
 */
public interface MatrixKernels {

    /**
     * {@code C [m x n] (+)= A [m x k] · B [k x n]}.
     *
     * @param accumulate add to {@code C} when true, overwrite it when false
     */
    void gemm(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
              float[] c, int cOff, int ldc, boolean accumulate);

    /**
     * The widest panel any implementation pads a packed row to, in floats (four 512-bit vectors): a caller that
     * sizes memory before building kernels can count {@code packedSize(k, n) <= k·(n + MAX_PANEL_WIDTH)}.
     */
    int MAX_PANEL_WIDTH = 64;

    /**
     * Floats that {@link #packB} writes for a {@code [k x n]} matrix: the layout is the implementation's own, and
     * never more than {@code k·(n + }{@link #MAX_PANEL_WIDTH}{@code )}.
     */
    int packedSize(int k, int n);

    /**
     * Copies {@code B [k x n]} into {@code packed} in the layout {@link #gemmPacked} reads, so that a B used by
     * many products (the recurrent weights, once per time step) is rearranged once instead of once per product.
     */
    void packB(int k, int n, float[] b, int bOff, int ldb, float[] packed, int packedOff);

    /**
     * {@link #packB} for a {@code B [k x n]} stored as its transpose {@code [n x k]}, element (p, j) at
     * {@code b[bOff + j·ldb + p]}: the same packed floats as transposing B into rows and packing those, without
     * the transposed copy (the reverse sweep's {@code W_hᵀ}, packed from {@code W_h} in place).
     */
    void packBTransposed(int k, int n, float[] b, int bOff, int ldb, float[] packed, int packedOff);

    /** {@code C [m x n] (+)= A [m x k] · B}, with {@code B} as {@link #packB} left it in {@code packed}. */
    void gemmPacked(int m, int n, int k, float[] a, int aOff, int lda, float[] packed, int packedOff,
                    float[] c, int cOff, int ldc, boolean accumulate);

    /**
     * {@code C [m x n] (+)= Aᵀ · B}, where {@code A} is stored as {@code [k x m]} and {@code B} as
     * {@code [k x n]}: the weight-gradient form {@code dW += Xᵀ·dZ}.
     */
    void gemmTransA(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                    float[] c, int cOff, int ldc, boolean accumulate);

    /**
     * {@code C [m x n] (+)= A [m x k] · Bᵀ}, where {@code B} is stored as {@code [n x k]}: the back-propagation
     * form {@code dX = dZ·Wᵀ}.
     */
    void gemmTransB(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                    float[] c, int cOff, int ldc, boolean accumulate);

    /**
     * The gate GEMV {@code y [n] (+)= x [k] · W [k x n]}: one pass over the packed weights of all four gates.
     */
    void gemv(int k, int n, float[] x, int xOff, float[] w, int wOff, int ldw, float[] y, int yOff,
              boolean accumulate);

    /** The transposed GEMV {@code y [k] (+)= W [k x n] · v [n]}, as in {@code dx = W·dz}. */
    void gemvTransposed(int k, int n, float[] w, int wOff, int ldw, float[] v, int vOff, float[] y, int yOff,
                        boolean accumulate);

    /**
     * {@code y [n] += alpha · x [n]}. With {@code alpha = 1} and {@code x} a row of a weight matrix this is the
     * one-hot input gather: a character's contribution to the gate pre-activations.
     */
    void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff);

    /**
     * {@code target [width] = Σ rows[from + r·stride, +width)} over {@code r < count}, summed in row order: the
     * bias gradients, each the sum of the gate gradients of every position. {@code target} must not overlap
     * {@code rows}. One {@link #axpy} per row, so each implementation sums with its own, and the two agree exactly:
     * with {@code alpha = 1} each add rounds once, fused or not.
     */
    default void sumRows(int count, int width, float[] rows, int from, int stride, float[] target, int targetOff) {
        Arrays.fill(target, targetOff, targetOff + width, 0f);
        for (int r = 0; r < count; r++) {
            axpy(width, 1f, rows, from + r * stride, target, targetOff);
        }
    }

    /**
     * Writes the {@code rows x cols} matrix at {@code source[from]} (row stride {@code cols}) into
     * {@code target[targetOff]} as its {@code cols x rows} transpose: the weights a backward product reads
     * column-wise. {@code target} must not overlap {@code source}.
     */
    void transpose(int rows, int cols, float[] source, int from, float[] target, int targetOff);

    /**
     * {@code y [n] = a [n] ∘ b [n]}, elementwise; {@code y} may be {@code a} or {@code b} at the same offset. With
     * {@code b} an inverted-dropout mask (0 or {@code 1/(1-p)}) this applies dropout, forward and backward.
     */
    void multiply(int n, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff);
}
