package org.gatelane.kernels;

/**
 * The fused recurrent cells, forward and backward, each one pass over a stream's gate pre-activations. The cells
 * use the packed gate orders of PyTorch: for the LSTM input gate {@code i}, forget gate {@code f}, candidate
 * {@code g}, output gate {@code o}; for the GRU reset gate {@code r}, update gate {@code z}, candidate {@code n};
 * each block {@code hidden} wide. The plain RNN (Elman, tanh) has one block.
 *
 * <p>Every kernel family shares {@link RecurrentKernels}'s conventions: arrays addressed by offset, row-major, owned
 * by the caller; no allocation in steady state, no threads, no state between calls.
 */
public interface CellKernels {

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

    // ---- The fused RNN cell ----------------------------------------------------------------------------

    /**
     * The Elman cell with tanh, PyTorch's {@code nn.RNN}: {@code h = tanh(z)}, where {@code z [hidden]} holds the
     * whole pre-activation {@code x·W_ih + h_prev·W_hh + b} and is left as it was; {@code h} may be {@code z} at
     * the same offset. Elementwise, but the vector implementation rounds its body and its tail differently, so a
     * caller that wants a stream's values independent of its neighbours calls it stream by stream.
     */
    void rnnCellForward(int hidden, float[] z, int zOff, float[] h, int hOff);

    /**
     * The backward pass of {@link #rnnCellForward}: {@code dz = dh·(1 - h²)} from the cell's output {@code h} and
     * the gradient {@code dh} with respect to it; {@code dz} may be {@code dh} at the same offset.
     */
    void rnnCellBackward(int hidden, float[] h, int hOff, float[] dh, int dhOff, float[] dz, int dzOff);
}
