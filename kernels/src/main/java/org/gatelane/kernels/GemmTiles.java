package org.gatelane.kernels;

/**
 * The GEMM engine's register tiles and cache blocks for each vector width, in one table, as BLIS registers each
 * micro-kernel with its MR, NR, KC, MC and NC: a new tile or a new width is one row here and, for a new tile
 * shape, one micro-kernel in {@link GemmMicroKernels}.
 *
 * @param rows      MR: rows of the main register tile
 * @param smallRows rows of the second tile (MR - 1), which with MR-row tiles covers any row count from MR·(MR-1)
 *                  without a partial tile: 32 = 5·4 + 4·3 and 64 = 5·12 + 4·1 at MR = 5
 * @param vectors   vectors per tile row; NR, the columns of a tile and of a packed panel of B, is
 *                  {@code vectors · lanes}
 * @param depth     KC: depth of a block, so that one packed panel of B, {@code KC · NR} floats, fills half of L1
 * @param rowBlock  MC: rows of an A block, which stays in L2 while the panels of B pass
 * @param columnBlock NC: columns of a packed B block, which bounds the per-thread buffer to {@code KC · NC}
 */
record GemmTiles(int rows, int smallRows, int vectors, int depth, int rowBlock, int columnBlock) {

    /**
     * 5 x 2 vectors at every width for now. At 256 bits it is 10 accumulators, 2 B vectors and the broadcasts of
     * A in AVX2's 16 registers, and 10 independent FMA chains cover a latency of four cycles on two pipes; 6 x 2
     * measured half as fast (on packed panels C2 schedules broadcasts ahead, runs out of registers and spills an
     * accumulator every iteration). At 512 bits AVX-512's 32 registers would hold larger tiles: unmeasured yet.
     * KC keeps a panel at 16 KB: 2048 floats over NR = 2 vectors.
     */
    static GemmTiles forWidth(int bits) {
        return switch (bits) {
            case 128 -> new GemmTiles(5, 4, 2, 512, 120, 1024);
            case 256 -> new GemmTiles(5, 4, 2, 256, 120, 1024);
            case 512 -> new GemmTiles(5, 4, 2, 128, 120, 1024);
            default -> throw new IllegalArgumentException("no GEMM tiles for " + bits + "-bit vectors");
        };
    }

    /** The row of the table for the kernels' vector width. */
    static final GemmTiles CURRENT = forWidth(VectorConstants.SPECIES.vectorBitSize());

    GemmTiles {
        if (smallRows != rows - 1) {
            throw new IllegalArgumentException("the row split assumes a small tile of MR - 1 rows");
        }
    }

    /**
     * How many leading rows of a block of {@code rows} go to MR-row tiles; (MR-1)-row tiles take the rest. With
     * {@code b} small tiles, {@code rows ≡ -b (mod MR)}; the split leaves no tile partial whenever one exists
     * ({@code rows >= MR·(MR-1)}, batch sizes 32 and 64 among them), and below that the last MR-row tile is
     * partial.
     */
    int mainTileSpan(int rows) {
        int smallTiles = (this.rows - rows % this.rows) % this.rows;
        return smallRows * smallTiles <= rows ? rows - smallRows * smallTiles : rows;
    }
}
