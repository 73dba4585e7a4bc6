package org.gatelane.kernels;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM engine's packing: blocks of B into panels of NR columns, contiguous in the order the micro-kernels
 * read them, and blocks of A whose rows are not contiguous into rows of their own.
 */
final class GemmPacking {

    private static final VectorSpecies<Float> SPECIES = VectorConstants.SPECIES;
    private static final int LANES = VectorConstants.LANES;
    /** Columns of one packed panel of B. */
    static final int NR = GemmTiles.CURRENT.vectors() * LANES;

    private GemmPacking() {
    }

    /** {@code n} rounded up to whole panels. */
    static int roundUpToPanels(int n) {
        return (n + NR - 1) / NR * NR;
    }

    /**
     * Rows {@code [0, rows)} of A's block, {@code depth} wide, row i at {@code aOff + i·lda}, into {@code target}
     * as contiguous rows, then zero rows up to {@code paddedRows}.
     */
    static void copyRows(int rows, int paddedRows, int depth, float[] a, int aOff, int lda, float[] target,
                         int targetOff) {
        for (int i = 0; i < rows; i++) {
            System.arraycopy(a, aOff + i * lda, target, targetOff + i * depth, depth);
        }
        Arrays.fill(target, targetOff + rows * depth, targetOff + paddedRows * depth, 0f);
    }

    /**
     * The same for a transposed A, whose row i is column i of the matrix at {@code aOff} with rows {@code lda}
     * apart.
     */
    static void transposeRows(int rows, int paddedRows, int depth, float[] a, int aOff, int lda, float[] target,
                              int targetOff) {
        Transposition.transpose(depth, rows, a, aOff, lda, target, targetOff, depth);
        Arrays.fill(target, targetOff + rows * depth, targetOff + paddedRows * depth, 0f);
    }

    /**
     * B's {@code depth x columns} block as panels of {@code NR} columns: panel q holds element (p, qNR + j) at
     * {@code packedOff + q·NR·depth + p·NR + j}, zeros past the last column.
     */
    static void packBlockOfB(int depth, int columns, float[] b, int bOff, int bDepthStride, int bColumnStride,
                             float[] packed, int packedOff) {
        int wholePanels = bColumnStride == 1 ? columns / NR * NR : 0;
        // Row by row: each row of B is read once, front to back, which the prefetchers follow; panel by panel,
        // every load of a panel's column strip touched a new line of a row 4 KB or more from the last.
        for (int p = 0; p < depth; p++) {
            int from = bOff + p * bDepthStride;
            for (int j0 = 0; j0 < wholePanels; j0 += NR) {
                int to = packedOff + j0 * depth + p * NR;
                for (int v = 0; v < NR; v += LANES) {
                    FloatVector.fromArray(SPECIES, b, from + j0 + v).intoArray(packed, to + v);
                }
            }
        }
        for (int j0 = wholePanels; j0 < columns; j0 += NR) {
            int valid = Math.min(NR, columns - j0);
            int panel = packedOff + j0 * depth;
            int source = bOff + j0 * bColumnStride;
            if (valid < NR) {
                Arrays.fill(packed, panel, panel + depth * NR, 0f);
            }
            // Column by column: for a transposed B each column is a contiguous row of the source, and the panel
            // it is spread over stays in cache; depth first read every column's row in strides.
            for (int j = 0; j < valid; j++) {
                int from = source + j * bColumnStride;
                for (int p = 0; p < depth; p++) {
                    packed[panel + p * NR + j] = b[from + p * bDepthStride];
                }
            }
        }
    }

}
