package org.gatelane.core.model;

import java.util.Locale;

/**
 * The recurrent cell of every layer of a model, with PyTorch's equations and packed gate orders.
 *
 * <p>Both keep one weight matrix per layer, {@code [(in + H) x gateBlocks·H]} (input rows, then recurrent rows),
 * and one bias of {@code 4·H}. The LSTM's bias is PyTorch's {@code b_ih + b_hh} for its four gates i, f, g, o.
 * The GRU's is {@code b_ih + b_hh} for r and z, then {@code b_in}, then {@code b_hn}: n's two biases cannot be
 * merged because r multiplies the second.
 */
public enum Cell {
    /** Long short-term memory: gates i, f, g, o; carries h and c. */
    LSTM(4, 4),
    /** Gated recurrent unit: gates r, z, n; carries h only. */
    GRU(3, 2);

    private final int gateBlocks;
    private final int mergedBiasBlocks;

    Cell(int gateBlocks, int mergedBiasBlocks) {
        this.gateBlocks = gateBlocks;
        this.mergedBiasBlocks = mergedBiasBlocks;
    }

    /** Blocks of H in a layer's gate pre-activations: 4 for the LSTM, 3 for the GRU. */
    public int gateBlocks() {
        return gateBlocks;
    }

    /** Blocks of H in a layer's bias: 4 for both. */
    public int biasBlocks() {
        return 4;
    }

    /**
     * The leading bias blocks that stand for PyTorch's sum {@code b_ih + b_hh} (all four of the LSTM's, r and z of
     * the GRU's); the others are single PyTorch biases.
     */
    public int mergedBiasBlocks() {
        return mergedBiasBlocks;
    }

    /** Whether the cell carries a cell state c beside h (only the LSTM does). */
    public boolean hasCellState() {
        return this == LSTM;
    }

    /** The lower-case name used on the command line and in files: {@code lstm} or {@code gru}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The cell named {@code id} ({@code lstm} or {@code gru}, any case).
     *
     * @throws IllegalArgumentException naming the choices for anything else
     */
    public static Cell of(String id) {
        for (Cell cell : values()) {
            if (cell.id().equalsIgnoreCase(id)) {
                return cell;
            }
        }
        throw new IllegalArgumentException("unknown cell '" + id + "'; choose lstm or gru");
    }
}
