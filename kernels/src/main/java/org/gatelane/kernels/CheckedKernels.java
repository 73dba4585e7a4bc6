package org.gatelane.kernels;

import java.util.Objects;

/**
 * Checks the arguments of every call, then delegates. Checks are O(1) per call and happen here, once, so the
 * implementations' inner loops carry none. Every failure is an {@link IllegalArgumentException} that names the
 * argument, what was needed and what was given.
 */
final class CheckedKernels implements RecurrentKernels {

    private final RecurrentKernels delegate;

    CheckedKernels(RecurrentKernels delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public int vectorBits() {
        return delegate.vectorBits();
    }

    /** Names the implementation and its width, as {@code checked vector-256}. */
    @Override
    public String toString() {
        return "checked " + delegate.name();
    }

    @Override
    public void gemm(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        checkProduct(m, n, k);
        matrix("A", a, aOff, m, k, lda);
        matrix("B", b, bOff, k, n, ldb);
        matrix("C", c, cOff, m, n, ldc);
        delegate.gemm(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override
    public int packedSize(int k, int n) {
        checkProduct(1, n, k);
        return delegate.packedSize(k, n);
    }

    @Override
    public void packB(int k, int n, float[] b, int bOff, int ldb, float[] packed, int packedOff) {
        checkPacking(k, n, packed, packedOff);
        matrix("B", b, bOff, k, n, ldb);
        delegate.packB(k, n, b, bOff, ldb, packed, packedOff);
    }

    @Override
    public void packBTransposed(int k, int n, float[] b, int bOff, int ldb, float[] packed, int packedOff) {
        checkPacking(k, n, packed, packedOff);
        matrix("B", b, bOff, n, k, ldb);
        delegate.packBTransposed(k, n, b, bOff, ldb, packed, packedOff);
    }

    @Override
    public void gemmPacked(int m, int n, int k, float[] a, int aOff, int lda, float[] packed, int packedOff,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        checkProduct(m, n, k);
        matrix("A", a, aOff, m, k, lda);
        vector("packed", packed, packedOff, delegate.packedSize(k, n));
        matrix("C", c, cOff, m, n, ldc);
        delegate.gemmPacked(m, n, k, a, aOff, lda, packed, packedOff, c, cOff, ldc, accumulate);
    }

    @Override
    public void gemmTransA(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        checkProduct(m, n, k);
        matrix("A", a, aOff, k, m, lda);
        matrix("B", b, bOff, k, n, ldb);
        matrix("C", c, cOff, m, n, ldc);
        delegate.gemmTransA(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override
    public void gemmTransB(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        checkProduct(m, n, k);
        matrix("A", a, aOff, m, k, lda);
        matrix("B", b, bOff, n, k, ldb);
        matrix("C", c, cOff, m, n, ldc);
        delegate.gemmTransB(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override
    public void gemv(int k, int n, float[] x, int xOff, float[] w, int wOff, int ldw, float[] y, int yOff,
                     boolean accumulate) {
        checkProduct(1, n, k);
        vector("x", x, xOff, k);
        matrix("W", w, wOff, k, n, ldw);
        vector("y", y, yOff, n);
        delegate.gemv(k, n, x, xOff, w, wOff, ldw, y, yOff, accumulate);
    }

    @Override
    public void gemvTransposed(int k, int n, float[] w, int wOff, int ldw, float[] v, int vOff, float[] y,
                               int yOff, boolean accumulate) {
        checkProduct(1, n, k);
        matrix("W", w, wOff, k, n, ldw);
        vector("v", v, vOff, n);
        vector("y", y, yOff, k);
        delegate.gemvTransposed(k, n, w, wOff, ldw, v, vOff, y, yOff, accumulate);
    }

    @Override
    public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        vector("x", x, xOff, n);
        vector("y", y, yOff, n);
        delegate.axpy(n, alpha, x, xOff, y, yOff);
    }

    @Override
    public void sumRows(int count, int width, float[] rows, int from, int stride, float[] target, int targetOff) {
        nonNegative("count", count);
        nonNegative("width", width);
        matrix("rows", rows, from, count, width, stride);
        vector("target", target, targetOff, width);
        delegate.sumRows(count, width, rows, from, stride, target, targetOff);
    }

    @Override
    public void transpose(int rows, int cols, float[] source, int from, float[] target, int targetOff) {
        nonNegative("rows", rows);
        nonNegative("cols", cols);
        matrix("source", source, from, rows, cols, cols);
        matrix("target", target, targetOff, cols, rows, rows);
        delegate.transpose(rows, cols, source, from, target, targetOff);
    }

    @Override
    public void rnnCellForward(int hidden, float[] z, int zOff, float[] h, int hOff) {
        positive("hidden", hidden);
        vector("z", z, zOff, hidden);
        vector("h", h, hOff, hidden);
        delegate.rnnCellForward(hidden, z, zOff, h, hOff);
    }

    @Override
    public void rnnCellBackward(int hidden, float[] h, int hOff, float[] dh, int dhOff, float[] dz, int dzOff) {
        positive("hidden", hidden);
        vector("h", h, hOff, hidden);
        vector("dh", dh, dhOff, hidden);
        vector("dz", dz, dzOff, hidden);
        delegate.rnnCellBackward(hidden, h, hOff, dh, dhOff, dz, dzOff);
    }

    @Override
    public void multiply(int n, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff) {
        vector("a", a, aOff, n);
        vector("b", b, bOff, n);
        vector("y", y, yOff, n);
        delegate.multiply(n, a, aOff, b, bOff, y, yOff);
    }

    @Override
    public long dropoutMask(int n, float rate, long state, float[] mask, int maskOff) {
        vector("mask", mask, maskOff, n);
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("dropoutMask: needs a rate in [0, 1) but was " + rate);
        }
        return delegate.dropoutMask(n, rate, state, mask, maskOff);
    }

    @Override
    public void sigmoid(int n, float[] x, int xOff, float[] y, int yOff) {
        vector("x", x, xOff, n);
        vector("y", y, yOff, n);
        delegate.sigmoid(n, x, xOff, y, yOff);
    }

    @Override
    public void tanh(int n, float[] x, int xOff, float[] y, int yOff) {
        vector("x", x, xOff, n);
        vector("y", y, yOff, n);
        delegate.tanh(n, x, xOff, y, yOff);
    }

    @Override
    public void sigmoidDerivative(int n, float[] y, int yOff, float[] d, int dOff) {
        vector("y", y, yOff, n);
        vector("d", d, dOff, n);
        delegate.sigmoidDerivative(n, y, yOff, d, dOff);
    }

    @Override
    public void tanhDerivative(int n, float[] y, int yOff, float[] d, int dOff) {
        vector("y", y, yOff, n);
        vector("d", d, dOff, n);
        delegate.tanhDerivative(n, y, yOff, d, dOff);
    }

    @Override
    public void lstmCellForward(int hidden, float[] z, int zOff, float[] cPrev, int cPrevOff, float[] c,
                                int cOff, float[] tanhC, int tanhCOff, float[] h, int hOff) {
        vector("z", z, zOff, gateWidth(4, hidden));
        vector("cPrev", cPrev, cPrevOff, hidden);
        vector("c", c, cOff, hidden);
        vector("tanhC", tanhC, tanhCOff, hidden);
        vector("h", h, hOff, hidden);
        delegate.lstmCellForward(hidden, z, zOff, cPrev, cPrevOff, c, cOff, tanhC, tanhCOff, h, hOff);
    }

    @Override
    public void lstmCellBackward(int hidden, float[] gates, int gatesOff, float[] cPrev, int cPrevOff,
                                 float[] tanhC, int tanhCOff, float[] dh, int dhOff, float[] dcNext,
                                 int dcNextOff, float[] dz, int dzOff, float[] dcPrev, int dcPrevOff) {
        vector("gates", gates, gatesOff, gateWidth(4, hidden));
        vector("cPrev", cPrev, cPrevOff, hidden);
        vector("tanhC", tanhC, tanhCOff, hidden);
        vector("dh", dh, dhOff, hidden);
        vector("dcNext", dcNext, dcNextOff, hidden);
        vector("dz", dz, dzOff, gateWidth(4, hidden));
        vector("dcPrev", dcPrev, dcPrevOff, hidden);
        delegate.lstmCellBackward(hidden, gates, gatesOff, cPrev, cPrevOff, tanhC, tanhCOff, dh, dhOff, dcNext,
                dcNextOff, dz, dzOff, dcPrev, dcPrevOff);
    }

    @Override
    public void gruCellForward(int hidden, float[] gates, int gatesOff, float[] recurrent, int recurrentOff,
                               float[] recurrentBias, int recurrentBiasOff, float[] hPrev, int hPrevOff, float[] h,
                               int hOff) {
        vector("gates", gates, gatesOff, gateWidth(3, hidden));
        vector("recurrent", recurrent, recurrentOff, gateWidth(3, hidden));
        vector("recurrentBias", recurrentBias, recurrentBiasOff, hidden);
        vector("hPrev", hPrev, hPrevOff, hidden);
        vector("h", h, hOff, hidden);
        delegate.gruCellForward(hidden, gates, gatesOff, recurrent, recurrentOff, recurrentBias, recurrentBiasOff,
                hPrev, hPrevOff, h, hOff);
    }

    @Override
    public void gruCellBackward(int hidden, float[] gates, int gatesOff, float[] recurrent, int recurrentOff,
                                float[] hPrev, int hPrevOff, float[] dh, int dhOff, float[] dGates, int dGatesOff,
                                float[] dRecurrent, int dRecurrentOff, float[] dhPrev, int dhPrevOff) {
        vector("gates", gates, gatesOff, gateWidth(3, hidden));
        vector("recurrent", recurrent, recurrentOff, gateWidth(3, hidden));
        vector("hPrev", hPrev, hPrevOff, hidden);
        vector("dh", dh, dhOff, hidden);
        vector("dGates", dGates, dGatesOff, gateWidth(3, hidden));
        vector("dRecurrent", dRecurrent, dRecurrentOff, gateWidth(3, hidden));
        vector("dhPrev", dhPrev, dhPrevOff, hidden);
        delegate.gruCellBackward(hidden, gates, gatesOff, recurrent, recurrentOff, hPrev, hPrevOff, dh, dhOff, dGates,
                dGatesOff, dRecurrent, dRecurrentOff, dhPrev, dhPrevOff);
    }

    @Override
    public float softmaxCrossEntropy(int n, float[] logits, int logitsOff, int target, float gradScale,
                                     float[] dLogits, int dLogitsOff) {
        positive("n", n);
        vector("logits", logits, logitsOff, n);
        vector("dLogits", dLogits, dLogitsOff, n);
        if (target < 0 || target >= n) {
            throw new IllegalArgumentException("target: needs a class in [0, " + n + ") but was " + target);
        }
        return delegate.softmaxCrossEntropy(n, logits, logitsOff, target, gradScale, dLogits, dLogitsOff);
    }

    @Override
    public void softmax(int n, float[] logits, int logitsOff, float temperature, float[] p, int pOff) {
        positive("n", n);
        if (!(temperature > 0 && temperature < Float.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("temperature: needs a finite value > 0 but was " + temperature);
        }
        vector("logits", logits, logitsOff, n);
        vector("p", p, pOff, n);
        delegate.softmax(n, logits, logitsOff, temperature, p, pOff);
    }

    @Override
    public void sgd(int n, float[] params, int pOff, float[] grads, int gOff, float[] velocity, int vOff,
                    float learningRate, float momentum) {
        vector("params", params, pOff, n);
        vector("grads", grads, gOff, n);
        vector("velocity", velocity, vOff, n);
        delegate.sgd(n, params, pOff, grads, gOff, velocity, vOff, learningRate, momentum);
    }

    @Override
    public void rmsprop(int n, float[] params, int pOff, float[] grads, int gOff, float[] meanSquare, int sOff,
                        float learningRate, float decay, float epsilon) {
        vector("params", params, pOff, n);
        vector("grads", grads, gOff, n);
        vector("meanSquare", meanSquare, sOff, n);
        delegate.rmsprop(n, params, pOff, grads, gOff, meanSquare, sOff, learningRate, decay, epsilon);
    }

    @Override
    public void adam(int n, float[] params, int pOff, float[] grads, int gOff, float[] firstMoment, int mOff,
                     float[] secondMoment, int vOff, float learningRate, float beta1, float beta2, float epsilon,
                     float weightDecay, long step) {
        vector("params", params, pOff, n);
        vector("grads", grads, gOff, n);
        vector("firstMoment", firstMoment, mOff, n);
        vector("secondMoment", secondMoment, vOff, n);
        if (step < 1) {
            throw new IllegalArgumentException("step: needs the 1-based Adam step number but was " + step);
        }
        delegate.adam(n, params, pOff, grads, gOff, firstMoment, mOff, secondMoment, vOff, learningRate, beta1,
                beta2, epsilon, weightDecay, step);
    }

    @Override
    public float sumOfSquares(int n, float[] x, int xOff) {
        vector("x", x, xOff, n);
        return delegate.sumOfSquares(n, x, xOff);
    }

    @Override
    public void scale(int n, float alpha, float[] x, int xOff) {
        vector("x", x, xOff, n);
        delegate.scale(n, alpha, x, xOff);
    }

    @Override
    public void clamp(int n, float min, float max, float[] x, int xOff) {
        vector("x", x, xOff, n);
        if (!(min <= max)) {
            throw new IllegalArgumentException("clamp: needs min <= max but got min " + min + ", max " + max);
        }
        delegate.clamp(n, min, max, x, xOff);
    }

    // ---- Checks ----------------------------------------------------------------------------------------

    /** A packed copy of a {@code [k x n]} B fits in {@code packed} from {@code packedOff}. */
    private void checkPacking(int k, int n, float[] packed, int packedOff) {
        checkProduct(1, n, k);
        vector("packed", packed, packedOff, delegate.packedSize(k, n));
    }

    private static void checkProduct(int m, int n, int k) {
        nonNegative("m", m);
        nonNegative("n", n);
        nonNegative("k", k);
    }

    /** The width of a cell's packed gate blocks: {@code blocks} (4 for the LSTM, 3 for the GRU) of {@code hidden}. */
    private static int gateWidth(int blocks, int hidden) {
        positive("hidden", hidden);
        return Math.multiplyExact(blocks, hidden);
    }

    private static void nonNegative(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + ": needs a size >= 0 but was " + value);
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + ": needs a size >= 1 but was " + value);
        }
    }

    /** {@code length} elements of {@code array} from {@code offset}. */
    private static void vector(String name, float[] array, int offset, int length) {
        Objects.requireNonNull(array, name);
        if (length < 0) {
            nonNegative(name + " length", length); // named only here: a name built on every call is garbage
        }
        if (offset < 0 || (long) offset + length > array.length) {
            throw new IllegalArgumentException(name + ": needs " + length + " elements from offset " + offset
                    + " but the array holds " + array.length);
        }
    }

    /** A {@code rows x cols} matrix with leading dimension {@code ld} starting at {@code offset}. */
    private static void matrix(String name, float[] array, int offset, int rows, int cols, int ld) {
        Objects.requireNonNull(array, name);
        if (ld < cols) {
            throw new IllegalArgumentException(name + ": needs a leading dimension >= " + cols + " columns but was "
                    + ld);
        }
        long end = rows == 0 || cols == 0 ? offset : offset + (long) (rows - 1) * ld + cols;
        if (offset < 0 || end > array.length) {
            throw new IllegalArgumentException(name + ": needs " + rows + " x " + cols + " (leading dimension " + ld
                    + ") from offset " + offset + ", that is " + (end - offset) + " elements, but the array holds "
                    + array.length);
        }
    }
}
