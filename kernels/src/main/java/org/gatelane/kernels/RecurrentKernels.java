package org.gatelane.kernels;

/**
 * The numerical kernels an LSTM needs, over {@code float[]} arrays addressed by offset, row-major.
 *
 * <p>Two implementations exist, a scalar one (plain loops, the reference and the fallback) and a vector one
 * (JDK Vector API); they are not public: obtain them through {@link Kernels}, which checks every shape once
 * before delegating.
 *
 * <p>Conventions for every method: the caller owns every array; a kernel never allocates in steady state (the
 * GEMM keeps one scratch panel per thread), never starts a thread, and never keeps a reference after it returns.
 * Kernels hold no state between calls: one instance may be called from any number of threads at once. A matrix {@code X [rows x cols]} with leading
 * dimension {@code ldx} holds element {@code (r, c)} at {@code x[xOff + r * ldx + c]}. Unless a method says
 * otherwise, output ranges must not overlap input ranges.
 *
 * <p>The fused cells use the packed gate orders of PyTorch: for the LSTM input gate {@code i}, forget gate
 * {@code f}, candidate {@code g}, output gate {@code o}; for the GRU reset gate {@code r}, update gate {@code z},
 * candidate {@code n}; each block {@code hidden} wide.
 */
public interface RecurrentKernels {

    /** A short name for logs and benchmark tables, such as {@code "scalar"} or {@code "vector-256"}. */
    String name();

    /** The width in bits of the vectors these kernels compute on; 32 for scalar code. */
    default int vectorBits() {
        return Float.SIZE;
    }

    // ---- Matrix products -------------------------------------------------------------------------------

    /**
     * {@code C [m x n] (+)= A [m x k] · B [k x n]}.
     *
     * @param accumulate add to {@code C} when true, overwrite it when false
     */
    void gemm(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
              float[] c, int cOff, int ldc, boolean accumulate);

    /**
     * The widest panel any implementation pads a packed row to, in floats (two 512-bit vectors): a caller that
     * sizes memory before building kernels can count {@code packedSize(k, n) <= k·(n + MAX_PANEL_WIDTH)}.
     */
    int MAX_PANEL_WIDTH = 32;

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
     * {@code rows}.
     */
    void sumRows(int count, int width, float[] rows, int from, int stride, float[] target, int targetOff);

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

    // ---- Activations -----------------------------------------------------------------------------------

    /**
     * {@code y = 1 / (1 + exp(-x))} elementwise; {@code y} may be {@code x} at the same offset (in place).
     * NaN stays NaN. The vector implementation stays within {@link #ACTIVATION_ABSOLUTE_ERROR} of the exact
     * value over the whole float range.
     */
    void sigmoid(int n, float[] x, int xOff, float[] y, int yOff);

    /** {@code y = tanh(x)} elementwise, in place allowed, NaN propagated, same accuracy as {@link #sigmoid}. */
    void tanh(int n, float[] x, int xOff, float[] y, int yOff);

    /** {@code d = y · (1 - y)}: the sigmoid's derivative from its output {@code y}; in place allowed. */
    void sigmoidDerivative(int n, float[] y, int yOff, float[] d, int dOff);

    /** {@code d = 1 - y²}: the tanh's derivative from its output {@code y}; in place allowed. */
    void tanhDerivative(int n, float[] y, int yOff, float[] d, int dOff);

    /**
     * Largest absolute difference between an activation of {@link VectorKernels} and the exact value, for
     * any float input; enforced by the tests.
     */
    float ACTIVATION_ABSOLUTE_ERROR = 5e-7f;

    // ---- The fused LSTM cell ---------------------------------------------------------------------------

    /**
     * One LSTM cell step for one stream, in one pass.
     *
     * <p>Reads the pre-activations {@code z [4·hidden]} (blocks i, f, g, o) and {@code cPrev [hidden]};
     * overwrites {@code z} with the activated gates {@code σ(i), σ(f), tanh(g), σ(o)} (kept for the backward
     * pass); writes {@code c = f·cPrev + i·g}, {@code tanhC = tanh(c)} and {@code h = o·tanhC}.
     * {@code c} may be {@code cPrev} at the same offset.
     */
    void lstmCellForward(int hidden, float[] z, int zOff, float[] cPrev, int cPrevOff, float[] c, int cOff,
                         float[] tanhC, int tanhCOff, float[] h, int hOff);

    /**
     * The backward pass of {@link #lstmCellForward} for one stream, in one pass.
     *
     * <p>Given the activated {@code gates [4·hidden]}, {@code cPrev}, {@code tanhC}, the gradient {@code dh} of
     * the loss with respect to {@code h} and {@code dcNext} with respect to {@code c} from the step after,
     * writes {@code dz [4·hidden]}, the gradient with respect to the pre-activations, and {@code dcPrev}, the
     * gradient with respect to {@code cPrev}. {@code dcPrev} may be {@code dcNext} at the same offset.
     */
    void lstmCellBackward(int hidden, float[] gates, int gatesOff, float[] cPrev, int cPrevOff,
                          float[] tanhC, int tanhCOff, float[] dh, int dhOff, float[] dcNext, int dcNextOff,
                          float[] dz, int dzOff, float[] dcPrev, int dcPrevOff);

    // ---- The fused GRU cell ----------------------------------------------------------------------------

    /**
     * One GRU cell step for one stream, PyTorch's equations with gate blocks {@code r, z, n}, each {@code hidden}
     * wide: {@code r = σ(a_r + u_r)}, {@code z = σ(a_z + u_z)}, {@code n = tanh(a_n + r·(u_n + b_hn))},
     * {@code h = (1 - z)·n + z·hPrev}.
     *
     * <p>Reads the input side's pre-activations {@code a = gates [3·hidden]} (input projection plus the biases of
     * r, z and n's input), the recurrent product {@code u = recurrent [3·hidden]} ({@code hPrev·W_h}, no bias) and
     * n's recurrent bias {@code b_hn = recurrentBias [hidden]}, which cannot be merged into the other since r
     * multiplies it. Overwrites {@code gates} with the activated {@code r, z, n} and the n block of
     * {@code recurrent} with {@code u_n + b_hn}, both kept for the backward pass; writes {@code h}, which may be
     * {@code hPrev} at the same offset.
     */
    void gruCellForward(int hidden, float[] gates, int gatesOff, float[] recurrent, int recurrentOff,
                        float[] recurrentBias, int recurrentBiasOff, float[] hPrev, int hPrevOff, float[] h, int hOff);

    /**
     * The backward pass of {@link #gruCellForward} for one stream, in one pass.
     *
     * <p>Given the activated {@code gates [3·hidden]} and {@code recurrent [3·hidden]} as the forward pass left
     * them, {@code hPrev}, and the gradient {@code dh} of the loss with respect to {@code h}, writes
     * {@code dGates [3·hidden]}, the gradient with respect to the input side's pre-activations {@code a},
     * {@code dRecurrent [3·hidden]}, the gradient with respect to {@code u} (its n block also that of
     * {@code b_hn}), and {@code dhPrev = dh·z}, the part of hPrev's gradient that does not pass through
     * {@code W_h} (the caller adds {@code dRecurrent·W_hᵀ}). {@code dhPrev} may be {@code dh} at the same offset.
     */
    void gruCellBackward(int hidden, float[] gates, int gatesOff, float[] recurrent, int recurrentOff,
                         float[] hPrev, int hPrevOff, float[] dh, int dhOff, float[] dGates, int dGatesOff,
                         float[] dRecurrent, int dRecurrentOff, float[] dhPrev, int dhPrevOff);

    // ---- Loss ------------------------------------------------------------------------------------------

    /**
     * Softmax with cross-entropy for one position, stable for any finite logits (log-sum-exp).
     *
     * <p>Writes {@code dLogits = gradScale · (softmax(logits) - onehot(target))} and returns
     * {@code -log softmax(logits)[target]} in nats. {@code dLogits} may be {@code logits} (in place).
     */
    float softmaxCrossEntropy(int n, float[] logits, int logitsOff, int target, float gradScale,
                              float[] dLogits, int dLogitsOff);

    /** {@code p = softmax(logits)}, stable for any finite logits; in place allowed. */
    void softmax(int n, float[] logits, int logitsOff, float[] p, int pOff);

    // ---- Optimizers: one fused pass over a slice of parameters, gradients and state ---------------------

    /**
     * SGD with momentum, PyTorch's form: {@code v = momentum·v + g; p -= lr·v}. With {@code momentum = 0}
     * this is plain SGD and {@code velocity} only receives a copy of the gradient.
     */
    void sgd(int n, float[] params, int pOff, float[] grads, int gOff, float[] velocity, int vOff,
             float learningRate, float momentum);

    /** RMSProp, PyTorch's form: {@code s = α·s + (1-α)·g²; p -= lr·g / (√s + ε)}. */
    void rmsprop(int n, float[] params, int pOff, float[] grads, int gOff, float[] meanSquare, int sOff,
                 float learningRate, float decay, float epsilon);

    /**
     * Adam with bias correction, and AdamW when {@code weightDecay > 0}:
     * {@code p -= lr·λ·p} (decoupled decay), then {@code m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²;
     * p -= lr · (m / (1-β1^t)) / (√(v / (1-β2^t)) + ε)}.
     *
     * @param step the 1-based step number {@code t}
     */
    void adam(int n, float[] params, int pOff, float[] grads, int gOff, float[] firstMoment, int mOff,
              float[] secondMoment, int vOff, float learningRate, float beta1, float beta2, float epsilon,
              float weightDecay, long step);

    // ---- Clipping --------------------------------------------------------------------------------------

    /** Returns {@code Σ x²} over {@code n} elements (for a global gradient norm); NaN if any element is NaN. */
    float sumOfSquares(int n, float[] x, int xOff);

    /** {@code x *= alpha} in place. */
    void scale(int n, float alpha, float[] x, int xOff);

    /** {@code x = min(max(x, min), max)} in place; NaN stays NaN. */
    void clamp(int n, float min, float max, float[] x, int xOff);
}
