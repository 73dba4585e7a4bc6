package org.gatelane.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Transposes a matrix, {@code target[c·targetStride + r] = source[r·sourceStride + c]}: for {@code W_hᵀ} before the
 * reverse sweep, for the output and input weights' transposes, for the transposed A of every weight gradient,
 * which the GEMM engine copies into rows, and for the panels of a transposed B ({@code gemmTransB}).
 *
 * <p>Where the kernels run 256-bit vectors or wider, each 8 x 8 block goes through registers: eight rows loaded as
 * vectors, three rounds of two-source lane selections (rows 4, 2 and 1 apart swap their off-diagonal 4 x 4, 2 x 2
 * and 1 x 1 blocks), eight columns stored as vectors. At 128 bits, and for the edges of a matrix whose sides are
 * not multiples of 8, the elements move one at a time. Against element moves in the same 16 x 16 tiles
 * ({@code TransposeBenchmark}, measured as {@code MatrixBenchmark.transpose}, {@code W_h} of H = 128 / 256 / 512,
 * two alternating rounds, Zen 5, JDK 25): 2.2-3.9x / 1.9-3.6x / 1.8-2.4x at 512 bits, 2.2x at H = 128 and 1.7-2.5x
 * at 512 under {@code -XX:UseAVX=2}. The weight gradient's copy of {@code Hᵀ} gained less in a training step
 * (async-profiler, H = 128: the head's 3.6 % of the step became 1.5 %, {@code dW_h}'s stayed at 3.5-3.8 %): after
 * the reverse sweep H comes from memory, and the copy waits for it either way.
 */
final class Transposition {

    /**
     * Side of a tile: 16 x 16 floats. The target lines a tile writes lie a row of the target apart, 2 KB for the
     * recurrent weights of H = 512, and lines a power of two apart share few of L1's sets: 32 of them (a 32 x 32
     * tile) did not stay there between rows, 16 do. A 512 x 2048 transpose took 0.84-0.86x the time of 32 x 32
     * tiles, 1024 x 4096 0.8-0.9x, 256 x 1024 0.45-0.75x (a harness timing 50 calls, Zen 4, 512 bits).
     */
    private static final int TILE = 16;
    /** Side of a block transposed in registers. */
    private static final int BLOCK = 8;
    private static final VectorSpecies<Float> EIGHT = FloatVector.SPECIES_256;
    private static final boolean IN_REGISTERS = VectorConstants.SPECIES.vectorBitSize() >= EIGHT.vectorBitSize();

    /**
     * For each round's distance d (4, 2, 1), lane selections from a pair (x, y) of rows d apart: lane i of the
     * first result takes x's lane i where bit d of i is clear, else y's lane i - d; the second takes x's lane i + d
     * where it is clear, else y's lane i. Indexes of y count from {@code BLOCK}, as {@code selectFrom} reads them.
     */
    private static final FloatVector FIRST_4 = selection(4, true), SECOND_4 = selection(4, false);
    private static final FloatVector FIRST_2 = selection(2, true), SECOND_2 = selection(2, false);
    private static final FloatVector FIRST_1 = selection(1, true), SECOND_1 = selection(1, false);

    private Transposition() {
    }

    private static FloatVector selection(int distance, boolean first) {
        float[] lanes = new float[BLOCK];
        for (int i = 0; i < BLOCK; i++) {
            boolean fromX = (i & distance) == 0;
            lanes[i] = first ? (fromX ? i : BLOCK + i - distance) : (fromX ? i + distance : BLOCK + i);
        }
        return FloatVector.fromArray(EIGHT, lanes, 0);
    }

    /** {@code target[targetAt + c·targetStride + r] = source[sourceAt + r·sourceStride + c]}, r < rows, c < cols. */
    static void transpose(int rows, int cols, float[] source, int sourceAt, int sourceStride, float[] target,
                          int targetAt, int targetStride) {
        for (int r0 = 0; r0 < rows; r0 += TILE) {
            int r1 = Math.min(rows, r0 + TILE);
            for (int c0 = 0; c0 < cols; c0 += TILE) {
                int c1 = Math.min(cols, c0 + TILE);
                // The whole blocks of the tile in registers, then its ragged edges (if any) one element at a time.
                int rBlocks = IN_REGISTERS ? r0 + (r1 - r0) / BLOCK * BLOCK : r0;
                int cBlocks = IN_REGISTERS ? c0 + (c1 - c0) / BLOCK * BLOCK : c0;
                for (int r = r0; r < rBlocks; r += BLOCK) {
                    for (int c = c0; c < cBlocks; c += BLOCK) {
                        block(source, sourceAt + r * sourceStride + c, sourceStride, target,
                                targetAt + c * targetStride + r, targetStride);
                    }
                }
                moveElements(r0, rBlocks, cBlocks, c1, source, sourceAt, sourceStride, target, targetAt, targetStride);
                moveElements(rBlocks, r1, c0, c1, source, sourceAt, sourceStride, target, targetAt, targetStride);
            }
        }
    }

    private static void moveElements(int r0, int r1, int c0, int c1, float[] source, int sourceAt, int sourceStride,
                                     float[] target, int targetAt, int targetStride) {
        for (int r = r0; r < r1; r++) {
            int row = sourceAt + r * sourceStride;
            for (int c = c0; c < c1; c++) {
                target[targetAt + c * targetStride + r] = source[row + c];
            }
        }
    }

    /** One 8 x 8 block; eight locals, not an array, so that C2 keeps them in registers. */
    private static void block(float[] source, int from, int sourceStride, float[] target, int to, int targetStride) {
        FloatVector m0 = FloatVector.fromArray(EIGHT, source, from);
        FloatVector m1 = FloatVector.fromArray(EIGHT, source, from + sourceStride);
        FloatVector m2 = FloatVector.fromArray(EIGHT, source, from + 2 * sourceStride);
        FloatVector m3 = FloatVector.fromArray(EIGHT, source, from + 3 * sourceStride);
        FloatVector m4 = FloatVector.fromArray(EIGHT, source, from + 4 * sourceStride);
        FloatVector m5 = FloatVector.fromArray(EIGHT, source, from + 5 * sourceStride);
        FloatVector m6 = FloatVector.fromArray(EIGHT, source, from + 6 * sourceStride);
        FloatVector m7 = FloatVector.fromArray(EIGHT, source, from + 7 * sourceStride);
        FloatVector x;
        // Rows four apart swap their off-diagonal 4 x 4 quarters.
        x = m0; m0 = FIRST_4.selectFrom(x, m4); m4 = SECOND_4.selectFrom(x, m4);
        x = m1; m1 = FIRST_4.selectFrom(x, m5); m5 = SECOND_4.selectFrom(x, m5);
        x = m2; m2 = FIRST_4.selectFrom(x, m6); m6 = SECOND_4.selectFrom(x, m6);
        x = m3; m3 = FIRST_4.selectFrom(x, m7); m7 = SECOND_4.selectFrom(x, m7);
        // Rows two apart, their 2 x 2 blocks.
        x = m0; m0 = FIRST_2.selectFrom(x, m2); m2 = SECOND_2.selectFrom(x, m2);
        x = m1; m1 = FIRST_2.selectFrom(x, m3); m3 = SECOND_2.selectFrom(x, m3);
        x = m4; m4 = FIRST_2.selectFrom(x, m6); m6 = SECOND_2.selectFrom(x, m6);
        x = m5; m5 = FIRST_2.selectFrom(x, m7); m7 = SECOND_2.selectFrom(x, m7);
        // Neighbouring rows, their single elements.
        x = m0; m0 = FIRST_1.selectFrom(x, m1); m1 = SECOND_1.selectFrom(x, m1);
        x = m2; m2 = FIRST_1.selectFrom(x, m3); m3 = SECOND_1.selectFrom(x, m3);
        x = m4; m4 = FIRST_1.selectFrom(x, m5); m5 = SECOND_1.selectFrom(x, m5);
        x = m6; m6 = FIRST_1.selectFrom(x, m7); m7 = SECOND_1.selectFrom(x, m7);
        m0.intoArray(target, to);
        m1.intoArray(target, to + targetStride);
        m2.intoArray(target, to + 2 * targetStride);
        m3.intoArray(target, to + 3 * targetStride);
        m4.intoArray(target, to + 4 * targetStride);
        m5.intoArray(target, to + 5 * targetStride);
        m6.intoArray(target, to + 6 * targetStride);
        m7.intoArray(target, to + 7 * targetStride);
    }
}
