package org.gatelane.kernels;

/**
 * The GEMM engine's register tiles and cache blocks for each vector width, in one table, as BLIS registers each
 * micro-kernel with its MR, NR, KC, MC and NC: a new tile or a new width is one row here and, for a new tile
 * shape, one micro-kernel pair in {@link GemmMicroKernels}.
 *
 * @param rows      MR: rows of the main register tile
 * @param smallRows rows of the second tile (MR - 1), which with MR-row tiles covers any row count from MR·(MR-1)
 *                  without a partial tile: 32 = 5·4 + 4·3 at MR = 5 and 32 = 6·2 + 5·4 at MR = 6
 * @param vectors   vectors per tile row; NR, the columns of a tile and of a packed panel of B, is
 *                  {@code vectors · lanes}
 * @param depth     KC: depth of a block; one packed panel of B holds {@code KC · NR} floats
 * @param rowBlock  MC: rows of an A block, which stays in L2 while the panels of B pass
 * @param columnBlock NC: columns of a packed B block, which bounds the per-thread buffer to {@code KC · NC}
 * @param readsBInPlace whether a product over one row block of A reads B's rows in place instead of packing them
 */
record GemmTiles(int rows, int smallRows, int vectors, int depth, int rowBlock, int columnBlock,
                 boolean readsBInPlace) {

    /**
     * The row for {@code bits}-wide vectors.
     *
     * <p>At 128 and 256 bits, 5 x 2 vectors: 10 accumulators, 2 B vectors and the broadcasts of A in AVX2's 16
     * registers, and 10 independent FMA chains cover a latency of four cycles on two pipes; 6 x 2 measured half
     * as fast (on packed panels C2 schedules broadcasts ahead, runs out of registers and spills an accumulator
     * every iteration), and 4 x 3 (12 accumulators, 3 B vectors and a broadcast: all 16) 0.55x as fast as 5 x 2
     * under {@code -XX:UseAVX=2} on a Zen 4, both on the recurrence's product and the weight gradient.
     *
     * <p>At 512 bits, 6 x 4 vectors: 24 accumulators, 4 B vectors and one broadcast in AVX-512's 32 registers.
     * In C2's output each iteration of the 5 x 2 loop spends 20 instructions (two loads, five broadcasts, five
     * address computations, a base register parked in a vector register, the counter) on 10 FMAs; at two 512-bit
     * FMAs a cycle (Zen 5) the front end does not keep up. 6 x 4 spends 23 on 24 FMAs with no spill, and 24
     * chains leave three times the latency's worth of independent work.
     *
     * <p>KC is measured, not derived from L1. A panel of half of L1 (KC = 64 at 512 bits) measured 12-15 % slower
     * on the recurrence's product and the weight gradient and up to a third slower on a training step than
     * KC = 256 (a 64 KB panel, which the prefetchers stream from L2), on a Zen 4: each depth block loads and
     * stores the C it adds to, and a weight gradient over 3,200 rows did so 50 times. KC = 512 measured the same
     * as 256 at both widths in two sittings; in a third (Zen 4, 512 bits, two alternating rounds) the weight
     * gradient at 256x256 and 512x512 over 3,200 rows ran 0.73-0.76x as fast with it, {@code gemmPacked} 0.95-1.08x
     * (not profiled; its 128 KB panel is the likely cause); once the weight gradient read its A in place, KC = 512
     * measured level with 256 on it (0.94-1.04x at 256x256 and 512x512, two rounds). On a Zen 5, whose 48 KB L1
     * holds a panel of KC = 128, KC = 128 and 192 measured the same as 256 within the VM's noise, on
     * {@code gemmPacked} (B = 32, 256x256 and 512x512) and on training steps at H = 256 and 512 (three alternating
     * rounds). A block's depth does not change any result: every element of C is one chain of FMAs in depth order,
     * whatever the blocks.
     *
     * <p>NC = 2048 holds the gates of H = 512 (4H columns) in one column block. A weight gradient's A is
     * transposed, and its copy into rows is made once per depth block and column block: with NC = 1024 at H = 512
     * it was made twice and took a tenth of {@code dW_h} (async-profiler, {@code WeightGradientBenchmark} at
     * 512x512 and 3,200 rows, Zen 4, 512 bits); at 2048 that benchmark measured 1.03-1.11x and a training step at
     * H = 512 1.02x, two rounds each. Now that A is read in place (all but the last row block), NC no longer decides
     * how often it is copied; remeasured at 512 bits (Zen 4, two rounds), NC = 1024 was level with 2048 and NC = 256,
     * whose C blocks fit in L2, 0.85x. The buffer it bounds is {@code KC · NC} floats a thread, 2 MB (4 MB at 128
     * bits).
     *
     * <p>B in place: a product whose A is one row block (a batch of up to MC rows) reads each panel of B with that
     * block's few tiles only, so packing B first costs about as much as it saves. At 512 bits the 6 x 4 tile reads
     * B's rows in place, its panel index stepped by B's row stride: {@code MatrixBenchmark.gemm} at batch 32,
     * 128x128 / 256x256 / 512x512, 0.97-1.20x / 1.18-1.52x / 0.95-1.33x as fast as with packing (Zen 5, three
     * runs of two alternating rounds; five of the six rounds at 512x512 1.29x or more), 74-80 % of the peak, and
     * {@code gemmPacked} and training steps unchanged (0.89-1.12x, 0.96-1.07x).
     * The 5 x 2 tile with the same variable step made training steps at H = 256 under {@code -XX:UseAVX=2}
     * 0.91-0.96x as fast in three alternating rounds (1.00x and 0.71x in two noisier ones): its 10 FMAs a step hide
     * less. So the narrower widths pack.
     */
    static GemmTiles forWidth(int bits) {
        return switch (bits) {
            case 128 -> new GemmTiles(5, 4, 2, 512, 120, 2048, false);
            case 256 -> new GemmTiles(5, 4, 2, 256, 120, 2048, false);
            case 512 -> new GemmTiles(6, 5, 4, 256, 120, 2048, true);
            default -> throw new IllegalArgumentException("no GEMM tiles for " + bits + "-bit vectors");
        };
    }

    /** The row of the table for the kernels' vector width. */
    static final GemmTiles CURRENT = forWidth(VectorConstants.SPECIES.vectorBitSize());

    GemmTiles {
        if (smallRows != rows - 1) {
            throw new IllegalArgumentException("the row split assumes a small tile of MR - 1 rows");
        }
        if (readsBInPlace && vectors != 4) {
            throw new IllegalArgumentException("only the four-vector tiles read B in place");
        }
        if (rows > GemmMicroKernels.FIRST_VECTOR_ROWS) {
            throw new IllegalArgumentException("the one-vector tile of a narrow last panel has at most "
                    + GemmMicroKernels.FIRST_VECTOR_ROWS + " rows");
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
