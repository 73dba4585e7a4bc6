package org.gatelane.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register micro-kernels of the GEMM engine: {@code C[rows x 2 vectors] += A[rows x depth] · B-panel[depth x 2
 * vectors]}, A's row i at {@code a0 + i·lda}, the panel packed by {@link GemmPacking}. The accumulators are
 * separate locals, not an array, so that C2 keeps them all in registers; each FMA takes the accumulator as its
 * addend, which C2 compiles to one {@code vfmadd231ps}. The tile shapes are {@link GemmTiles}'s.
 */
final class GemmMicroKernels {

    private static final VectorSpecies<Float> SPECIES = VectorConstants.SPECIES;
    private static final int LANES = VectorConstants.LANES;
    private static final int NR = GemmTiles.CURRENT.vectors() * LANES;
    private static final int MR = GemmTiles.CURRENT.rows();

    private GemmMicroKernels() {
    }

    /** The tile of {@code height} rows: {@link GemmTiles#rows()} or {@link GemmTiles#smallRows()}. */
    static void tile(int height, int depth, float[] a, int aOff, int lda, float[] packedB, int panelOfB,
                             float[] c, int cAt, int ldc) {
        if (height == MR) {
            tile5x2(depth, a, aOff, lda, packedB, panelOfB, c, cAt, ldc);
        } else {
            tile4x2(depth, a, aOff, lda, packedB, panelOfB, c, cAt, ldc);
        }
    }

    /** Five rows by two vectors: ten accumulators. */
    private static void tile5x2(int depth, float[] a, int a0, int lda, float[] b, int b0, float[] c, int c0,
                                int ldc) {
        FloatVector c00 = FloatVector.fromArray(SPECIES, c, c0);
        FloatVector c01 = FloatVector.fromArray(SPECIES, c, c0 + LANES);
        FloatVector c10 = FloatVector.fromArray(SPECIES, c, c0 + ldc);
        FloatVector c11 = FloatVector.fromArray(SPECIES, c, c0 + ldc + LANES);
        FloatVector c20 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc);
        FloatVector c21 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc + LANES);
        FloatVector c30 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc);
        FloatVector c31 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc + LANES);
        FloatVector c40 = FloatVector.fromArray(SPECIES, c, c0 + 4 * ldc);
        FloatVector c41 = FloatVector.fromArray(SPECIES, c, c0 + 4 * ldc + LANES);
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda;
        for (int p = 0; p < depth; p++) {
            int bp = b0 + p * NR;
            FloatVector b0v = FloatVector.fromArray(SPECIES, b, bp);
            FloatVector b1v = FloatVector.fromArray(SPECIES, b, bp + LANES);
            FloatVector ar = FloatVector.broadcast(SPECIES, a[a0 + p]);
            c00 = ar.fma(b0v, c00);
            c01 = ar.fma(b1v, c01);
            ar = FloatVector.broadcast(SPECIES, a[a1 + p]);
            c10 = ar.fma(b0v, c10);
            c11 = ar.fma(b1v, c11);
            ar = FloatVector.broadcast(SPECIES, a[a2 + p]);
            c20 = ar.fma(b0v, c20);
            c21 = ar.fma(b1v, c21);
            ar = FloatVector.broadcast(SPECIES, a[a3 + p]);
            c30 = ar.fma(b0v, c30);
            c31 = ar.fma(b1v, c31);
            ar = FloatVector.broadcast(SPECIES, a[a4 + p]);
            c40 = ar.fma(b0v, c40);
            c41 = ar.fma(b1v, c41);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + LANES);
        c10.intoArray(c, c0 + ldc);
        c11.intoArray(c, c0 + ldc + LANES);
        c20.intoArray(c, c0 + 2 * ldc);
        c21.intoArray(c, c0 + 2 * ldc + LANES);
        c30.intoArray(c, c0 + 3 * ldc);
        c31.intoArray(c, c0 + 3 * ldc + LANES);
        c40.intoArray(c, c0 + 4 * ldc);
        c41.intoArray(c, c0 + 4 * ldc + LANES);
    }

    /** Four rows of {@link #tile5x2}. */
    private static void tile4x2(int depth, float[] a, int a0, int lda, float[] b, int b0, float[] c, int c0,
                                int ldc) {
        FloatVector c00 = FloatVector.fromArray(SPECIES, c, c0);
        FloatVector c01 = FloatVector.fromArray(SPECIES, c, c0 + LANES);
        FloatVector c10 = FloatVector.fromArray(SPECIES, c, c0 + ldc);
        FloatVector c11 = FloatVector.fromArray(SPECIES, c, c0 + ldc + LANES);
        FloatVector c20 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc);
        FloatVector c21 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc + LANES);
        FloatVector c30 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc);
        FloatVector c31 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc + LANES);
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        for (int p = 0; p < depth; p++) {
            int bp = b0 + p * NR;
            FloatVector b0v = FloatVector.fromArray(SPECIES, b, bp);
            FloatVector b1v = FloatVector.fromArray(SPECIES, b, bp + LANES);
            FloatVector ar = FloatVector.broadcast(SPECIES, a[a0 + p]);
            c00 = ar.fma(b0v, c00);
            c01 = ar.fma(b1v, c01);
            ar = FloatVector.broadcast(SPECIES, a[a1 + p]);
            c10 = ar.fma(b0v, c10);
            c11 = ar.fma(b1v, c11);
            ar = FloatVector.broadcast(SPECIES, a[a2 + p]);
            c20 = ar.fma(b0v, c20);
            c21 = ar.fma(b1v, c21);
            ar = FloatVector.broadcast(SPECIES, a[a3 + p]);
            c30 = ar.fma(b0v, c30);
            c31 = ar.fma(b1v, c31);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + LANES);
        c10.intoArray(c, c0 + ldc);
        c11.intoArray(c, c0 + ldc + LANES);
        c20.intoArray(c, c0 + 2 * ldc);
        c21.intoArray(c, c0 + 2 * ldc + LANES);
        c30.intoArray(c, c0 + 3 * ldc);
        c31.intoArray(c, c0 + 3 * ldc + LANES);
    }
}
