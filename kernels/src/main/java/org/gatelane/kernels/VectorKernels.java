package org.gatelane.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the JDK Vector API. Every elementwise loop runs a vector body up to {@code SPECIES.loopBound} and
 * hands the remainder to the scalar twin; no masks in hot loops. The matrix products live in their own classes,
 * the GEMM engine {@link VectorGemm} and the matrix-vector products {@link VectorGemv}; this class adapts the
 * {@link RecurrentKernels} interface to them.
 *
 * <p>The species is {@link VectorConstants#SPECIES}. Do not load this class without {@code jdk.incubator.vector}
 * in the boot layer; {@link Kernels} checks that first.
 */
final class VectorKernels implements RecurrentKernels {

    private static final VectorSpecies<Float> SPECIES = VectorConstants.SPECIES;
    private static final int LANES = VectorConstants.LANES;

    private static final ScalarKernels SCALAR = new ScalarKernels();
    /** The vector width in bits this class runs at. */
    static int speciesBits() {
        return SPECIES.vectorBitSize();
    }

    @Override
    public int vectorBits() {
        return speciesBits();
    }

    @Override
    public String name() {
        return "vector-" + speciesBits();
    }

    @Override
    public String toString() {
        return name();
    }

    // ---- Matrix products: VectorGemm and VectorGemv -----------------------------------------------------

    @Override
    public void gemm(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        VectorGemm.gemm(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override
    public int packedSize(int k, int n) {
        return VectorGemm.packedSize(k, n);
    }

    @Override
    public void packB(int k, int n, float[] b, int bOff, int ldb, float[] packed, int packedOff) {
        VectorGemm.packB(k, n, b, bOff, ldb, packed, packedOff);
    }

    @Override
    public void packBTransposed(int k, int n, float[] b, int bOff, int ldb, float[] packed, int packedOff) {
        VectorGemm.packBTransposed(k, n, b, bOff, ldb, packed, packedOff);
    }

    @Override
    public void gemmPacked(int m, int n, int k, float[] a, int aOff, int lda, float[] packed, int packedOff,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        VectorGemm.gemmPacked(m, n, k, a, aOff, lda, packed, packedOff, c, cOff, ldc, accumulate);
    }

    @Override
    public void gemmTransA(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        VectorGemm.gemmTransA(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override
    public void gemmTransB(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        VectorGemm.gemmTransB(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override
    public void gemv(int k, int n, float[] x, int xOff, float[] w, int wOff, int ldw, float[] y, int yOff,
                     boolean accumulate) {
        VectorGemv.gemv(k, n, x, xOff, w, wOff, ldw, y, yOff, accumulate);
    }

    @Override
    public void gemvTransposed(int k, int n, float[] w, int wOff, int ldw, float[] v, int vOff, float[] y,
                               int yOff, boolean accumulate) {
        VectorGemv.gemvTransposed(k, n, w, wOff, ldw, v, vOff, y, yOff, accumulate);
    }

    @Override
    public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        FloatVector a = FloatVector.broadcast(SPECIES, alpha);
        int i = 0;
        for (; i < SPECIES.loopBound(n); i += LANES) {
            a.fma(FloatVector.fromArray(SPECIES, x, xOff + i), FloatVector.fromArray(SPECIES, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        SCALAR.axpy(n - i, alpha, x, xOff + i, y, yOff + i);
    }

    /** {@link Transposition}: 16 x 16 tiles that stay in L1, 8 x 8 blocks through registers. */
    @Override
    public void transpose(int rows, int cols, float[] source, int from, float[] target, int targetOff) {
        Transposition.transpose(rows, cols, source, from, cols, target, targetOff, rows);
    }

    @Override
    public void multiply(int n, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff) {
        int i = 0;
        for (; i < SPECIES.loopBound(n); i += LANES) {
            FloatVector.fromArray(SPECIES, a, aOff + i).mul(FloatVector.fromArray(SPECIES, b, bOff + i))
                    .intoArray(y, yOff + i);
        }
        SCALAR.multiply(n - i, a, aOff + i, b, bOff + i, y, yOff + i);
    }

    @Override
    public long dropoutMask(int n, float rate, long state, float[] mask, int maskOff) {
        return VectorDropout.mask(n, rate, state, mask, maskOff);
    }

    // ---- Activations -----------------------------------------------------------------------------------

    /**
     * {@code 1/(1+exp(-x))} rather than {@code 0.5+0.5·tanh(x/2)}: accurate in relative terms for negative x,
     * where the sigmoid is tiny but not zero and the tanh form loses every digit.
     */
    @Override
    public void sigmoid(int n, float[] x, int xOff, float[] y, int yOff) {
        int done = VectorMath.exp(n, -1f, 0f, x, xOff, y, yOff);
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        for (int i = 0; i < done; i += LANES) {
            one.div(FloatVector.fromArray(SPECIES, y, yOff + i).add(one)).intoArray(y, yOff + i);
        }
        SCALAR.sigmoid(n - done, x, xOff + done, y, yOff + done);
    }

    /**
     * {@code 1 - 2/(e^2x + 1)}: within the absolute bound everywhere, though, like every tanh built on exp, it
     * keeps no relative accuracy for |x| near 0, where a gate's absolute error is what matters.
     */
    @Override
    public void tanh(int n, float[] x, int xOff, float[] y, int yOff) {
        int done = VectorMath.exp(n, 2f, 0f, x, xOff, y, yOff);
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        FloatVector two = FloatVector.broadcast(SPECIES, 2f);
        for (int i = 0; i < done; i += LANES) {
            one.sub(two.div(FloatVector.fromArray(SPECIES, y, yOff + i).add(one))).intoArray(y, yOff + i);
        }
        SCALAR.tanh(n - done, x, xOff + done, y, yOff + done);
    }

    @Override
    public void sigmoidDerivative(int n, float[] y, int yOff, float[] d, int dOff) {
        int i = 0;
        for (; i < SPECIES.loopBound(n); i += LANES) {
            FloatVector s = FloatVector.fromArray(SPECIES, y, yOff + i);
            s.mul(s.neg().add(1f)).intoArray(d, dOff + i);
        }
        SCALAR.sigmoidDerivative(n - i, y, yOff + i, d, dOff + i);
    }

    @Override
    public void tanhDerivative(int n, float[] y, int yOff, float[] d, int dOff) {
        int i = 0;
        for (; i < SPECIES.loopBound(n); i += LANES) {
            FloatVector t = FloatVector.fromArray(SPECIES, y, yOff + i);
            t.mul(t).neg().add(1f).intoArray(d, dOff + i);
        }
        SCALAR.tanhDerivative(n - i, y, yOff + i, d, dOff + i);
    }

    // ---- The fused LSTM cell ---------------------------------------------------------------------------

    /**
     * Activates the gate blocks in place, then updates the cell, in short passes over data that stays in L1:
     * the activations run their exp over arrays (see {@link VectorMath} for why), and tanh(c) is the tanh
     * kernel over the fresh c.
     */
    @Override
    public void lstmCellForward(int hidden, float[] z, int zOff, float[] cPrev, int cPrevOff, float[] c,
                                int cOff, float[] tanhC, int tanhCOff, float[] h, int hOff) {
        sigmoid(2 * hidden, z, zOff, z, zOff);
        tanh(hidden, z, zOff + 2 * hidden, z, zOff + 2 * hidden);
        sigmoid(hidden, z, zOff + 3 * hidden, z, zOff + 3 * hidden);
        int bound = SPECIES.loopBound(hidden);
        for (int j = 0; j < bound; j += LANES) {
            int at = zOff + j;
            FloatVector.fromArray(SPECIES, z, at + hidden)
                    .fma(FloatVector.fromArray(SPECIES, cPrev, cPrevOff + j),
                            FloatVector.fromArray(SPECIES, z, at).mul(FloatVector.fromArray(SPECIES, z, at + 2 * hidden)))
                    .intoArray(c, cOff + j);
        }
        tanh(bound, c, cOff, tanhC, tanhCOff);
        for (int j = 0; j < bound; j += LANES) {
            FloatVector.fromArray(SPECIES, z, zOff + 3 * hidden + j).mul(FloatVector.fromArray(SPECIES, tanhC, tanhCOff + j))
                    .intoArray(h, hOff + j);
        }
        ScalarKernels.cellStateRange(bound, hidden, hidden, z, zOff, cPrev, cPrevOff, c, cOff, tanhC, tanhCOff, h,
                hOff);
    }

    @Override
    public void lstmCellBackward(int hidden, float[] gates, int gatesOff, float[] cPrev, int cPrevOff,
                                 float[] tanhC, int tanhCOff, float[] dh, int dhOff, float[] dcNext,
                                 int dcNextOff, float[] dz, int dzOff, float[] dcPrev, int dcPrevOff) {
        int j = 0;
        for (; j < SPECIES.loopBound(hidden); j += LANES) {
            int at = gatesOff + j;
            FloatVector inputGate = FloatVector.fromArray(SPECIES, gates, at);
            FloatVector forgetGate = FloatVector.fromArray(SPECIES, gates, at + hidden);
            FloatVector candidate = FloatVector.fromArray(SPECIES, gates, at + 2 * hidden);
            FloatVector outputGate = FloatVector.fromArray(SPECIES, gates, at + 3 * hidden);
            FloatVector squashed = FloatVector.fromArray(SPECIES, tanhC, tanhCOff + j);
            FloatVector dhj = FloatVector.fromArray(SPECIES, dh, dhOff + j);
            FloatVector dc = dhj.mul(outputGate).mul(squashed.mul(squashed).neg().add(1f))
                    .add(FloatVector.fromArray(SPECIES, dcNext, dcNextOff + j));
            int out = dzOff + j;
            dc.mul(candidate).mul(inputGate).mul(inputGate.neg().add(1f)).intoArray(dz, out);
            dc.mul(FloatVector.fromArray(SPECIES, cPrev, cPrevOff + j)).mul(forgetGate)
                    .mul(forgetGate.neg().add(1f)).intoArray(dz, out + hidden);
            dc.mul(inputGate).mul(candidate.mul(candidate).neg().add(1f)).intoArray(dz, out + 2 * hidden);
            dhj.mul(squashed).mul(outputGate).mul(outputGate.neg().add(1f)).intoArray(dz, out + 3 * hidden);
            dc.mul(forgetGate).intoArray(dcPrev, dcPrevOff + j);
        }
        ScalarKernels.cellBackwardRange(j, hidden, hidden, gates, gatesOff, cPrev, cPrevOff, tanhC, tanhCOff, dh,
                dhOff, dcNext, dcNextOff, dz, dzOff, dcPrev, dcPrevOff);
    }

    // ---- The fused RNN cell ----------------------------------------------------------------------------

    /** The tanh kernel itself: the cell is its activation, and its accuracy contract is the same. */
    @Override
    public void rnnCellForward(int hidden, float[] z, int zOff, float[] h, int hOff) {
        tanh(hidden, z, zOff, h, hOff);
    }

    @Override
    public void rnnCellBackward(int hidden, float[] h, int hOff, float[] dh, int dhOff, float[] dz, int dzOff) {
        int i = 0;
        for (; i < SPECIES.loopBound(hidden); i += LANES) {
            FloatVector t = FloatVector.fromArray(SPECIES, h, hOff + i);
            // dh·(1 - t²) in the scalar twin's order: the two round alike and agree exactly.
            FloatVector.fromArray(SPECIES, dh, dhOff + i).mul(t.mul(t).neg().add(1f)).intoArray(dz, dzOff + i);
        }
        ScalarKernels.rnnBackwardRange(i, hidden, h, hOff, dh, dhOff, dz, dzOff);
    }

    // ---- The fused GRU cell ----------------------------------------------------------------------------

    /** The same short passes as the LSTM cell: activations over whole blocks, then the elementwise updates. */
    @Override
    public void gruCellForward(int hidden, float[] gates, int gatesOff, float[] recurrent, int recurrentOff,
                               float[] recurrentBias, int recurrentBiasOff, float[] hPrev, int hPrevOff, float[] h,
                               int hOff) {
        axpy(2 * hidden, 1f, recurrent, recurrentOff, gates, gatesOff);
        sigmoid(2 * hidden, gates, gatesOff, gates, gatesOff);
        int bound = SPECIES.loopBound(hidden);
        int n = 2 * hidden;
        for (int j = 0; j < bound; j += LANES) {
            FloatVector biased = FloatVector.fromArray(SPECIES, recurrent, recurrentOff + n + j)
                    .add(FloatVector.fromArray(SPECIES, recurrentBias, recurrentBiasOff + j));
            biased.intoArray(recurrent, recurrentOff + n + j);
            FloatVector.fromArray(SPECIES, gates, gatesOff + j)
                    .fma(biased, FloatVector.fromArray(SPECIES, gates, gatesOff + n + j))
                    .intoArray(gates, gatesOff + n + j);
        }
        ScalarKernels.gruCandidateRange(bound, hidden, hidden, gates, gatesOff, recurrent, recurrentOff,
                recurrentBias, recurrentBiasOff);
        tanh(hidden, gates, gatesOff + n, gates, gatesOff + n);
        for (int j = 0; j < bound; j += LANES) {
            FloatVector candidate = FloatVector.fromArray(SPECIES, gates, gatesOff + n + j);
            FloatVector.fromArray(SPECIES, gates, gatesOff + hidden + j)
                    .fma(FloatVector.fromArray(SPECIES, hPrev, hPrevOff + j).sub(candidate), candidate)
                    .intoArray(h, hOff + j);
        }
        ScalarKernels.gruOutputRange(bound, hidden, hidden, gates, gatesOff, hPrev, hPrevOff, h, hOff);
    }

    @Override
    public void gruCellBackward(int hidden, float[] gates, int gatesOff, float[] recurrent, int recurrentOff,
                                float[] hPrev, int hPrevOff, float[] dh, int dhOff, float[] dGates, int dGatesOff,
                                float[] dRecurrent, int dRecurrentOff, float[] dhPrev, int dhPrevOff) {
        int j = 0;
        for (; j < SPECIES.loopBound(hidden); j += LANES) {
            FloatVector reset = FloatVector.fromArray(SPECIES, gates, gatesOff + j);
            FloatVector update = FloatVector.fromArray(SPECIES, gates, gatesOff + hidden + j);
            FloatVector candidate = FloatVector.fromArray(SPECIES, gates, gatesOff + 2 * hidden + j);
            FloatVector dhj = FloatVector.fromArray(SPECIES, dh, dhOff + j);
            FloatVector keep = update.neg().add(1f);
            FloatVector dCandidate = dhj.mul(keep).mul(candidate.mul(candidate).neg().add(1f));
            FloatVector dUpdate = dhj.mul(FloatVector.fromArray(SPECIES, hPrev, hPrevOff + j).sub(candidate))
                    .mul(update).mul(keep);
            FloatVector dReset = dCandidate.mul(FloatVector.fromArray(SPECIES, recurrent, recurrentOff + 2 * hidden + j))
                    .mul(reset).mul(reset.neg().add(1f));
            dReset.intoArray(dGates, dGatesOff + j);
            dUpdate.intoArray(dGates, dGatesOff + hidden + j);
            dCandidate.intoArray(dGates, dGatesOff + 2 * hidden + j);
            dReset.intoArray(dRecurrent, dRecurrentOff + j);
            dUpdate.intoArray(dRecurrent, dRecurrentOff + hidden + j);
            dCandidate.mul(reset).intoArray(dRecurrent, dRecurrentOff + 2 * hidden + j);
            dhj.mul(update).intoArray(dhPrev, dhPrevOff + j);
        }
        ScalarKernels.gruBackwardRange(j, hidden, hidden, gates, gatesOff, recurrent, recurrentOff, hPrev, hPrevOff,
                dh, dhOff, dGates, dGatesOff, dRecurrent, dRecurrentOff, dhPrev, dhPrevOff);
    }

    // ---- Loss ------------------------------------------------------------------------------------------

    @Override
    public float softmaxCrossEntropy(int n, float[] logits, int logitsOff, int target, float gradScale,
                                     float[] dLogits, int dLogitsOff) {
        float targetLogit = logits[logitsOff + target];
        float logSumExp = softmaxInto(n, logits, logitsOff, 1f, dLogits, dLogitsOff, gradScale);
        dLogits[dLogitsOff + target] -= gradScale;
        return logSumExp - targetLogit;
    }

    @Override
    public void softmax(int n, float[] logits, int logitsOff, float temperature, float[] p, int pOff) {
        softmaxInto(n, logits, logitsOff, temperature, p, pOff, 1f);
    }

    /**
     * Writes {@code scale·softmax(logits / temperature)} to p and returns log Σ exp(logits / temperature). The
     * exponent is {@code logits·(1/temperature) - max/temperature}, one fused multiply-add, where the scalar twin
     * divides the difference: the same to a few units in the last place of the exponent.
     */
    private static float softmaxInto(int n, float[] logits, int logitsOff, float temperature, float[] p, int pOff,
                                     float scale) {
        int bound = SPECIES.loopBound(n);
        FloatVector maxes = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < bound; i += LANES) {
            maxes = maxes.max(FloatVector.fromArray(SPECIES, logits, logitsOff + i));
        }
        float max = maxes.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, logits[logitsOff + i]);
        }
        float inverseTemperature = 1f / temperature;
        int done = VectorMath.exp(n, inverseTemperature, -max * inverseTemperature, logits, logitsOff, p, pOff);
        FloatVector sums = FloatVector.zero(SPECIES);
        for (i = 0; i < done; i += LANES) {
            sums = sums.add(FloatVector.fromArray(SPECIES, p, pOff + i));
        }
        float sum = VectorMath.sum(sums);
        for (; i < n; i++) {
            float e = (float) Math.exp((logits[logitsOff + i] - max) / temperature);
            p[pOff + i] = e;
            sum += e;
        }
        scaleInPlace(n, scale / sum, p, pOff);
        return max / temperature + (float) Math.log(sum);
    }

    // ---- Optimizers ------------------------------------------------------------------------------------

    @Override
    public void sgd(int n, float[] params, int pOff, float[] grads, int gOff, float[] velocity, int vOff,
                    float learningRate, float momentum) {
        int i = 0;
        for (; i < SPECIES.loopBound(n); i += LANES) {
            FloatVector v = FloatVector.fromArray(SPECIES, velocity, vOff + i).mul(momentum)
                    .add(FloatVector.fromArray(SPECIES, grads, gOff + i));
            v.intoArray(velocity, vOff + i);
            FloatVector.fromArray(SPECIES, params, pOff + i).sub(v.mul(learningRate)).intoArray(params, pOff + i);
        }
        SCALAR.sgd(n - i, params, pOff + i, grads, gOff + i, velocity, vOff + i, learningRate, momentum);
    }

    @Override
    public void rmsprop(int n, float[] params, int pOff, float[] grads, int gOff, float[] meanSquare, int sOff,
                        float learningRate, float decay, float epsilon) {
        int i = 0;
        for (; i < SPECIES.loopBound(n); i += LANES) {
            FloatVector g = FloatVector.fromArray(SPECIES, grads, gOff + i);
            FloatVector s = FloatVector.fromArray(SPECIES, meanSquare, sOff + i).mul(decay)
                    .add(g.mul(g).mul(1f - decay));
            s.intoArray(meanSquare, sOff + i);
            FloatVector step = g.mul(learningRate).div(s.sqrt().add(epsilon));
            FloatVector.fromArray(SPECIES, params, pOff + i).sub(step).intoArray(params, pOff + i);
        }
        SCALAR.rmsprop(n - i, params, pOff + i, grads, gOff + i, meanSquare, sOff + i, learningRate, decay, epsilon);
    }

    @Override
    public void adam(int n, float[] params, int pOff, float[] grads, int gOff, float[] firstMoment, int mOff,
                     float[] secondMoment, int vOff, float learningRate, float beta1, float beta2, float epsilon,
                     float weightDecay, long step) {
        float stepSize = AdamStep.stepSize(learningRate, beta1, step);
        float rootSecondCorrection = AdamStep.rootSecondCorrection(beta2, step);
        float decayFactor = AdamStep.decayFactor(learningRate, weightDecay);
        int i = 0;
        for (; i < SPECIES.loopBound(n); i += LANES) {
            FloatVector g = FloatVector.fromArray(SPECIES, grads, gOff + i);
            FloatVector m = FloatVector.fromArray(SPECIES, firstMoment, mOff + i).mul(beta1).add(g.mul(1f - beta1));
            FloatVector v = FloatVector.fromArray(SPECIES, secondMoment, vOff + i).mul(beta2)
                    .add(g.mul(g).mul(1f - beta2));
            m.intoArray(firstMoment, mOff + i);
            v.intoArray(secondMoment, vOff + i);
            FloatVector denominator = v.sqrt().mul(rootSecondCorrection).add(epsilon);
            FloatVector.fromArray(SPECIES, params, pOff + i).mul(decayFactor)
                    .sub(m.mul(stepSize).div(denominator)).intoArray(params, pOff + i);
        }
        SCALAR.adam(n - i, params, pOff + i, grads, gOff + i, firstMoment, mOff + i, secondMoment, vOff + i,
                learningRate, beta1, beta2, epsilon, weightDecay, step);
    }

    // ---- Clipping --------------------------------------------------------------------------------------

    /** Four accumulators: one would serialise every FMA behind the previous one's latency. */
    @Override
    public float sumOfSquares(int n, float[] x, int xOff) {
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        int quadBound = n - n % (4 * LANES);
        int i = 0;
        for (; i < quadBound; i += 4 * LANES) {
            FloatVector v0 = FloatVector.fromArray(SPECIES, x, xOff + i);
            FloatVector v1 = FloatVector.fromArray(SPECIES, x, xOff + i + LANES);
            FloatVector v2 = FloatVector.fromArray(SPECIES, x, xOff + i + 2 * LANES);
            FloatVector v3 = FloatVector.fromArray(SPECIES, x, xOff + i + 3 * LANES);
            s0 = v0.fma(v0, s0);
            s1 = v1.fma(v1, s1);
            s2 = v2.fma(v2, s2);
            s3 = v3.fma(v3, s3);
        }
        for (; i < SPECIES.loopBound(n); i += LANES) {
            FloatVector v = FloatVector.fromArray(SPECIES, x, xOff + i);
            s0 = v.fma(v, s0);
        }
        return VectorMath.sum(s0.add(s1).add(s2.add(s3))) + SCALAR.sumOfSquares(n - i, x, xOff + i);
    }

    @Override
    public void scale(int n, float alpha, float[] x, int xOff) {
        scaleInPlace(n, alpha, x, xOff);
    }

    private static void scaleInPlace(int n, float alpha, float[] x, int xOff) {
        int i = 0;
        for (; i < SPECIES.loopBound(n); i += LANES) {
            FloatVector.fromArray(SPECIES, x, xOff + i).mul(alpha).intoArray(x, xOff + i);
        }
        SCALAR.scale(n - i, alpha, x, xOff + i);
    }

    @Override
    public void clamp(int n, float min, float max, float[] x, int xOff) {
        int i = 0;
        for (; i < SPECIES.loopBound(n); i += LANES) {
            FloatVector.fromArray(SPECIES, x, xOff + i).max(min).min(max).intoArray(x, xOff + i);
        }
        SCALAR.clamp(n - i, min, max, x, xOff + i);
    }
}
