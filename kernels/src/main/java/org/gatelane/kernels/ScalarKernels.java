package org.gatelane.kernels;

import java.util.Arrays;

/**
 * Plain-loop kernels: the reference every vector kernel is tested against, and the fallback where the Vector
 * API is unavailable. Written for clarity first; loops are ordered so reads are contiguous where that costs
 * no readability.
 */
final class ScalarKernels implements RecurrentKernels {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public void gemm(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        stridedGemm(m, n, k, a, aOff, lda, 1, b, bOff, ldb, 1, c, cOff, ldc, accumulate);
    }

    /** The scalar twin reads B as it is: its packed layout is the plain row-major copy. */
    @Override
    public int packedSize(int k, int n) {
        return k * n;
    }

    @Override
    public void packB(int k, int n, float[] b, int bOff, int ldb, float[] packed, int packedOff) {
        stridedCopy(k, n, b, bOff, ldb, 1, packed, packedOff);
    }

    @Override
    public void packBTransposed(int k, int n, float[] b, int bOff, int ldb, float[] packed, int packedOff) {
        stridedCopy(k, n, b, bOff, 1, ldb, packed, packedOff);
    }

    /** B's element (p, j), at {@code bOff + p·depthStride + j·columnStride}, into row-major {@code [k x n]}. */
    private static void stridedCopy(int k, int n, float[] b, int bOff, int depthStride, int columnStride,
                                    float[] packed, int packedOff) {
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                packed[packedOff + p * n + j] = b[bOff + p * depthStride + j * columnStride];
            }
        }
    }

    @Override
    public void gemmPacked(int m, int n, int k, float[] a, int aOff, int lda, float[] packed, int packedOff,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        gemm(m, n, k, a, aOff, lda, packed, packedOff, n, c, cOff, ldc, accumulate);
    }

    @Override
    public void gemmTransA(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        stridedGemm(m, n, k, a, aOff, 1, lda, b, bOff, ldb, 1, c, cOff, ldc, accumulate);
    }

    /**
     * C (+)= A·B where A's element (i, p) is at {@code aOff + i·aRowStride + p·aDepthStride} and B's (p, j) at
     * {@code bOff + p·bDepthStride + j·bColumnStride}: each element of C one sum in depth order, whichever operand
     * is stored transposed.
     */
    private static void stridedGemm(int m, int n, int k, float[] a, int aOff, int aRowStride, int aDepthStride,
                                    float[] b, int bOff, int bDepthStride, int bColumnStride, float[] c, int cOff,
                                    int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            int cRow = cOff + i * ldc;
            if (!accumulate) {
                Arrays.fill(c, cRow, cRow + n, 0f);
            }
            for (int p = 0; p < k; p++) {
                float aip = a[aOff + i * aRowStride + p * aDepthStride];
                int bRow = bOff + p * bDepthStride;
                for (int j = 0; j < n; j++) {
                    c[cRow + j] += aip * b[bRow + j * bColumnStride];
                }
            }
        }
    }

    @Override
    public void gemmTransB(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        stridedGemm(m, n, k, a, aOff, lda, 1, b, bOff, 1, ldb, c, cOff, ldc, accumulate);
    }

    static float dot(int n, float[] x, int xOff, float[] y, int yOff) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += x[xOff + i] * y[yOff + i];
        }
        return sum;
    }

    @Override
    public void gemv(int k, int n, float[] x, int xOff, float[] w, int wOff, int ldw, float[] y, int yOff,
                     boolean accumulate) {
        gemm(1, n, k, x, xOff, k, w, wOff, ldw, y, yOff, n, accumulate);
    }

    @Override
    public void gemvTransposed(int k, int n, float[] w, int wOff, int ldw, float[] v, int vOff, float[] y,
                               int yOff, boolean accumulate) {
        for (int r = 0; r < k; r++) {
            float dot = dot(n, w, wOff + r * ldw, v, vOff);
            y[yOff + r] = accumulate ? y[yOff + r] + dot : dot;
        }
    }

    @Override
    public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void transpose(int rows, int cols, float[] source, int from, float[] target, int targetOff) {
        for (int r = 0; r < rows; r++) {
            int row = from + r * cols;
            for (int c = 0; c < cols; c++) {
                target[targetOff + c * rows + r] = source[row + c];
            }
        }
    }

    @Override
    public void multiply(int n, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] = a[aOff + i] * b[bOff + i];
        }
    }

    @Override
    public long dropoutMask(int n, float rate, long state, float[] mask, int maskOff) {
        long dropBelow = SplitMix64.unitsBelow(rate);
        float kept = 1f / (1f - rate);
        for (int i = 0; i < n; i++) {
            state += SplitMix64.GAMMA;
            mask[maskOff + i] = SplitMix64.mix(state) >>> 11 < dropBelow ? 0f : kept;
        }
        return state;
    }

    @Override
    public void sigmoid(int n, float[] x, int xOff, float[] y, int yOff) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] = sigmoid(x[xOff + i]);
        }
    }

    @Override
    public void tanh(int n, float[] x, int xOff, float[] y, int yOff) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] = (float) Math.tanh(x[xOff + i]);
        }
    }

    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }

    @Override
    public void sigmoidDerivative(int n, float[] y, int yOff, float[] d, int dOff) {
        for (int i = 0; i < n; i++) {
            float s = y[yOff + i];
            d[dOff + i] = s * (1f - s);
        }
    }

    @Override
    public void tanhDerivative(int n, float[] y, int yOff, float[] d, int dOff) {
        for (int i = 0; i < n; i++) {
            float t = y[yOff + i];
            d[dOff + i] = 1f - t * t;
        }
    }

    @Override
    public void lstmCellForward(int hidden, float[] z, int zOff, float[] cPrev, int cPrevOff, float[] c,
                                int cOff, float[] tanhC, int tanhCOff, float[] h, int hOff) {
        sigmoid(2 * hidden, z, zOff, z, zOff);
        tanh(hidden, z, zOff + 2 * hidden, z, zOff + 2 * hidden);
        sigmoid(hidden, z, zOff + 3 * hidden, z, zOff + 3 * hidden);
        cellStateRange(0, hidden, hidden, z, zOff, cPrev, cPrevOff, c, cOff, tanhC, tanhCOff, h, hOff);
    }

    /**
     * The second half of {@link #lstmCellForward} for hidden units {@code [from, to)}: from the activated
     * gates, {@code c = f·cPrev + i·g}, {@code tanh(c)} and {@code h = o·tanh(c)}. Also the vector twin's tail.
     */
    static void cellStateRange(int from, int to, int hidden, float[] gates, int gatesOff, float[] cPrev,
                               int cPrevOff, float[] c, int cOff, float[] tanhC, int tanhCOff, float[] h, int hOff) {
        for (int j = from; j < to; j++) {
            int at = gatesOff + j;
            float cell = gates[at + hidden] * cPrev[cPrevOff + j] + gates[at] * gates[at + 2 * hidden];
            float squashed = (float) Math.tanh(cell);
            c[cOff + j] = cell;
            tanhC[tanhCOff + j] = squashed;
            h[hOff + j] = gates[at + 3 * hidden] * squashed;
        }
    }

    @Override
    public void lstmCellBackward(int hidden, float[] gates, int gatesOff, float[] cPrev, int cPrevOff,
                                 float[] tanhC, int tanhCOff, float[] dh, int dhOff, float[] dcNext,
                                 int dcNextOff, float[] dz, int dzOff, float[] dcPrev, int dcPrevOff) {
        cellBackwardRange(0, hidden, hidden, gates, gatesOff, cPrev, cPrevOff, tanhC, tanhCOff, dh, dhOff,
                dcNext, dcNextOff, dz, dzOff, dcPrev, dcPrevOff);
    }

    /** {@link #lstmCellBackward} for the hidden units {@code [from, to)}; also the vector twin's tail. */
    static void cellBackwardRange(int from, int to, int hidden, float[] gates, int gatesOff, float[] cPrev,
                                  int cPrevOff, float[] tanhC, int tanhCOff, float[] dh, int dhOff, float[] dcNext,
                                  int dcNextOff, float[] dz, int dzOff, float[] dcPrev, int dcPrevOff) {
        for (int j = from; j < to; j++) {
            int at = gatesOff + j;
            float inputGate = gates[at];
            float forgetGate = gates[at + hidden];
            float candidate = gates[at + 2 * hidden];
            float outputGate = gates[at + 3 * hidden];
            float squashed = tanhC[tanhCOff + j];
            float dhj = dh[dhOff + j];
            float dc = dcNext[dcNextOff + j] + dhj * outputGate * (1f - squashed * squashed);
            int out = dzOff + j;
            dz[out] = dc * candidate * inputGate * (1f - inputGate);
            dz[out + hidden] = dc * cPrev[cPrevOff + j] * forgetGate * (1f - forgetGate);
            dz[out + 2 * hidden] = dc * inputGate * (1f - candidate * candidate);
            dz[out + 3 * hidden] = dhj * squashed * outputGate * (1f - outputGate);
            dcPrev[dcPrevOff + j] = dc * forgetGate;
        }
    }

    @Override
    public void rnnCellForward(int hidden, float[] z, int zOff, float[] h, int hOff) {
        tanh(hidden, z, zOff, h, hOff);
    }

    @Override
    public void rnnCellBackward(int hidden, float[] h, int hOff, float[] dh, int dhOff, float[] dz, int dzOff) {
        rnnBackwardRange(0, hidden, h, hOff, dh, dhOff, dz, dzOff);
    }

    /** {@link #rnnCellBackward} for units {@code [from, to)}; also the vector twin's tail. */
    static void rnnBackwardRange(int from, int to, float[] h, int hOff, float[] dh, int dhOff, float[] dz,
                                 int dzOff) {
        for (int j = from; j < to; j++) {
            float t = h[hOff + j];
            dz[dzOff + j] = dh[dhOff + j] * (1f - t * t);
        }
    }

    @Override
    public void gruCellForward(int hidden, float[] gates, int gatesOff, float[] recurrent, int recurrentOff,
                               float[] recurrentBias, int recurrentBiasOff, float[] hPrev, int hPrevOff, float[] h,
                               int hOff) {
        axpy(2 * hidden, 1f, recurrent, recurrentOff, gates, gatesOff);
        sigmoid(2 * hidden, gates, gatesOff, gates, gatesOff);
        gruCandidateRange(0, hidden, hidden, gates, gatesOff, recurrent, recurrentOff, recurrentBias,
                recurrentBiasOff);
        tanh(hidden, gates, gatesOff + 2 * hidden, gates, gatesOff + 2 * hidden);
        gruOutputRange(0, hidden, hidden, gates, gatesOff, hPrev, hPrevOff, h, hOff);
    }

    /**
     * For hidden units {@code [from, to)} of {@link #gruCellForward}, once r is activated: {@code u_n += b_hn}
     * in place and n's pre-activation {@code a_n + r·u_n} in the gates. Also the vector twin's tail.
     */
    static void gruCandidateRange(int from, int to, int hidden, float[] gates, int gatesOff, float[] recurrent,
                                  int recurrentOff, float[] recurrentBias, int recurrentBiasOff) {
        for (int j = from; j < to; j++) {
            int n = 2 * hidden + j;
            float biased = recurrent[recurrentOff + n] + recurrentBias[recurrentBiasOff + j];
            recurrent[recurrentOff + n] = biased;
            gates[gatesOff + n] += gates[gatesOff + j] * biased;
        }
    }

    /** {@code h = n + z·(hPrev - n)} for hidden units {@code [from, to)}; also the vector twin's tail. */
    static void gruOutputRange(int from, int to, int hidden, float[] gates, int gatesOff, float[] hPrev,
                               int hPrevOff, float[] h, int hOff) {
        for (int j = from; j < to; j++) {
            float candidate = gates[gatesOff + 2 * hidden + j];
            h[hOff + j] = candidate + gates[gatesOff + hidden + j] * (hPrev[hPrevOff + j] - candidate);
        }
    }

    @Override
    public void gruCellBackward(int hidden, float[] gates, int gatesOff, float[] recurrent, int recurrentOff,
                                float[] hPrev, int hPrevOff, float[] dh, int dhOff, float[] dGates, int dGatesOff,
                                float[] dRecurrent, int dRecurrentOff, float[] dhPrev, int dhPrevOff) {
        gruBackwardRange(0, hidden, hidden, gates, gatesOff, recurrent, recurrentOff, hPrev, hPrevOff, dh, dhOff,
                dGates, dGatesOff, dRecurrent, dRecurrentOff, dhPrev, dhPrevOff);
    }

    /** {@link #gruCellBackward} for the hidden units {@code [from, to)}; also the vector twin's tail. */
    static void gruBackwardRange(int from, int to, int hidden, float[] gates, int gatesOff, float[] recurrent,
                                 int recurrentOff, float[] hPrev, int hPrevOff, float[] dh, int dhOff, float[] dGates,
                                 int dGatesOff, float[] dRecurrent, int dRecurrentOff, float[] dhPrev,
                                 int dhPrevOff) {
        for (int j = from; j < to; j++) {
            float reset = gates[gatesOff + j];
            float update = gates[gatesOff + hidden + j];
            float candidate = gates[gatesOff + 2 * hidden + j];
            float dhj = dh[dhOff + j];
            float dCandidate = dhj * (1f - update) * (1f - candidate * candidate);
            float dUpdate = dhj * (hPrev[hPrevOff + j] - candidate) * update * (1f - update);
            float dReset = dCandidate * recurrent[recurrentOff + 2 * hidden + j] * reset * (1f - reset);
            dGates[dGatesOff + j] = dReset;
            dGates[dGatesOff + hidden + j] = dUpdate;
            dGates[dGatesOff + 2 * hidden + j] = dCandidate;
            dRecurrent[dRecurrentOff + j] = dReset;
            dRecurrent[dRecurrentOff + hidden + j] = dUpdate;
            dRecurrent[dRecurrentOff + 2 * hidden + j] = dCandidate * reset;
            dhPrev[dhPrevOff + j] = dhj * update;
        }
    }

    @Override
    public float softmaxCrossEntropy(int n, float[] logits, int logitsOff, int target, float gradScale,
                                     float[] dLogits, int dLogitsOff) {
        float targetLogit = logits[logitsOff + target];
        float logSumExp = softmaxInto(n, logits, logitsOff, 1f, dLogits, dLogitsOff);
        for (int i = 0; i < n; i++) {
            dLogits[dLogitsOff + i] *= gradScale;
        }
        dLogits[dLogitsOff + target] -= gradScale;
        return logSumExp - targetLogit;
    }

    @Override
    public void softmax(int n, float[] logits, int logitsOff, float temperature, float[] p, int pOff) {
        softmaxInto(n, logits, logitsOff, temperature, p, pOff);
    }

    /** Writes softmax(logits / temperature) to p and returns log Σ exp(logits / temperature). */
    private static float softmaxInto(int n, float[] logits, int logitsOff, float temperature, float[] p, int pOff) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[logitsOff + i]);
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp((logits[logitsOff + i] - max) / temperature);
            p[pOff + i] = e;
            sum += e;
        }
        float inverse = 1f / sum;
        for (int i = 0; i < n; i++) {
            p[pOff + i] *= inverse;
        }
        return max / temperature + (float) Math.log(sum);
    }

    @Override
    public void sgd(int n, float[] params, int pOff, float[] grads, int gOff, float[] velocity, int vOff,
                    float learningRate, float momentum) {
        for (int i = 0; i < n; i++) {
            float v = momentum * velocity[vOff + i] + grads[gOff + i];
            velocity[vOff + i] = v;
            params[pOff + i] -= learningRate * v;
        }
    }

    @Override
    public void rmsprop(int n, float[] params, int pOff, float[] grads, int gOff, float[] meanSquare, int sOff,
                        float learningRate, float decay, float epsilon) {
        for (int i = 0; i < n; i++) {
            float g = grads[gOff + i];
            float s = decay * meanSquare[sOff + i] + (1f - decay) * g * g;
            meanSquare[sOff + i] = s;
            params[pOff + i] -= learningRate * g / ((float) Math.sqrt(s) + epsilon);
        }
    }

    @Override
    public void adam(int n, float[] params, int pOff, float[] grads, int gOff, float[] firstMoment, int mOff,
                     float[] secondMoment, int vOff, float learningRate, float beta1, float beta2, float epsilon,
                     float weightDecay, long step) {
        float stepSize = AdamStep.stepSize(learningRate, beta1, step);
        float rootSecondCorrection = AdamStep.rootSecondCorrection(beta2, step);
        float decayFactor = AdamStep.decayFactor(learningRate, weightDecay);
        for (int i = 0; i < n; i++) {
            float g = grads[gOff + i];
            float m = beta1 * firstMoment[mOff + i] + (1f - beta1) * g;
            float v = beta2 * secondMoment[vOff + i] + (1f - beta2) * g * g;
            firstMoment[mOff + i] = m;
            secondMoment[vOff + i] = v;
            float p = params[pOff + i] * decayFactor;
            params[pOff + i] = p - stepSize * m / ((float) Math.sqrt(v) * rootSecondCorrection + epsilon);
        }
    }

    @Override
    public float sumOfSquares(int n, float[] x, int xOff) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += x[xOff + i] * x[xOff + i];
        }
        return sum;
    }

    @Override
    public void scale(int n, float alpha, float[] x, int xOff) {
        for (int i = 0; i < n; i++) {
            x[xOff + i] *= alpha;
        }
    }

    @Override
    public void clamp(int n, float min, float max, float[] x, int xOff) {
        for (int i = 0; i < n; i++) {
            x[xOff + i] = Math.min(Math.max(x[xOff + i], min), max);
        }
    }
}
