package org.gatelane.core.model;

import java.util.Locale;

/**
 * The recurrent cell of every layer of a model, with PyTorch's equations and packed gate orders: as PyTorch's
 * {@code nn.RNNBase} serves {@code nn.RNN}, {@code nn.GRU} and {@code nn.LSTM}, a cell is its gate count, its
 * bias blocks and whether it carries a cell state; its layer class and fused kernels do the rest.
 *
 * <p>Every cell keeps one weight matrix per layer, {@code [(in + H) x gateBlocks·H]} (input rows, then recurrent
 * rows), and one bias of {@code biasBlocks·H}. The LSTM's bias is PyTorch's {@code b_ih + b_hh} for its four gates
 * i, f, g, o. The GRU's is {@code b_ih + b_hh} for r and z, then {@code b_in}, then {@code b_hn}: n's two biases
 * cannot be merged because r multiplies the second. The RNN's is {@code b_ih + b_hh}.
 */
public enum Cell {
    /** Long short-term memory: gates i, f, g, o; carries h and c. */
    LSTM(4, 4, 4, true),
    /** Gated recurrent unit: gates r, z, n; carries h only. */
    GRU(3, 4, 2, false),
    /** Elman network with tanh, PyTorch's {@code nn.RNN}: {@code h' = tanh(x·W_ih + b_ih + h·W_hh + b_hh)}. */
    RNN(1, 1, 1, false);

    private final int gateBlocks;
    private final int biasBlocks;
    private final int mergedBiasBlocks;
    private final boolean cellState;

    Cell(int gateBlocks, int biasBlocks, int mergedBiasBlocks, boolean cellState) {
        this.gateBlocks = gateBlocks;
        this.biasBlocks = biasBlocks;
        this.mergedBiasBlocks = mergedBiasBlocks;
        this.cellState = cellState;
    }

    /** Blocks of H in a layer's gate pre-activations: 4 for the LSTM, 3 for the GRU, 1 for the RNN. */
    public int gateBlocks() {
        return gateBlocks;
    }

    /** Blocks of H in a layer's bias: 4 for the LSTM and the GRU, 1 for the RNN. */
    public int biasBlocks() {
        return biasBlocks;
    }

    /**
     * The leading bias blocks that stand for PyTorch's sum {@code b_ih + b_hh} (all of the LSTM's and the RNN's,
     * r and z of the GRU's); the others are single PyTorch biases.
     */
    public int mergedBiasBlocks() {
        return mergedBiasBlocks;
    }

    /** Whether the cell carries a cell state c beside h (only the LSTM does). */
    public boolean hasCellState() {
        return cellState;
    }

    /** The lower-case name used on the command line and in files: {@code lstm}, {@code gru} or {@code rnn}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The cell named {@code id} ({@code lstm}, {@code gru} or {@code rnn}, any case).
     *
     * @throws IllegalArgumentException naming the choices for anything else
     */
    public static Cell of(String id) {
        for (Cell cell : values()) {
            if (cell.id().equalsIgnoreCase(id)) {
                return cell;
            }
        }
        throw new IllegalArgumentException("unknown cell '" + id + "'; choose lstm, gru or rnn");
    }
}
