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
     * B's {@code depth x columns} block, element (p, j) at {@code bOff + p·depthStride + j·columnStride}, one of
     * the two strides 1, as panels of {@code NR} columns: panel q holds element (p, qNR + j) at
     * {@code packedOff + q·NR·depth + p·NR + j}, zeros past the last column.
     */
    static void packBlockOfB(int depth, int columns, float[] b, int bOff, int depthStride, int columnStride,
                             float[] packed, int packedOff) {
        if (columnStride != 1) {
            for (int j0 = 0; j0 < columns; j0 += NR) {
                packPanelOfB(depth, Math.min(NR, columns - j0), b, bOff + j0 * columnStride, depthStride,
                        columnStride, packed, packedOff + j0 * depth);
            }
            return;
        }
        int wholePanels = columns / NR * NR;
        // Row by row: each row of B is read once, front to back, which the prefetchers follow; panel by panel,
        // every load of a panel's column strip touched a new line of a row 4 KB or more from the last.
        for (int p = 0; p < depth; p++) {
            int from = bOff + p * depthStride;
            for (int j0 = 0; j0 < wholePanels; j0 += NR) {
                int to = packedOff + j0 * depth + p * NR;
                for (int v = 0; v < NR; v += LANES) {
                    FloatVector.fromArray(SPECIES, b, from + j0 + v).intoArray(packed, to + v);
                }
            }
        }
        if (wholePanels < columns) {
            packPanelOfB(depth, columns - wholePanels, b, bOff + wholePanels, depthStride, 1, packed,
                    packedOff + wholePanels * depth);
        }
    }

    /**
     * One panel of a block of B: columns {@code [0, valid)}, {@code valid <= NR}, of a {@code depth}-deep block
     * whose element (p, j) is at {@code bOff + p·depthStride + j·columnStride}, one of the two strides 1, into
     * {@code packed[panelOff + p·NR + j]}, zeros past {@code valid}.
     */
    static void packPanelOfB(int depth, int valid, float[] b, int bOff, int depthStride, int columnStride,
                             float[] packed, int panelOff) {
        if (valid < NR) {
            Arrays.fill(packed, panelOff, panelOff + depth * NR, 0f);
        }
        if (columnStride == 1) {
            for (int p = 0; p < depth; p++) {
                System.arraycopy(b, bOff + p * depthStride, packed, panelOff + p * NR, valid);
            }
        } else {
            // A transposed B (depthStride 1): each column of the panel is a contiguous row of the source.
            Transposition.transpose(valid, depth, b, bOff, columnStride, packed, panelOff, NR);
        }
    }

}
