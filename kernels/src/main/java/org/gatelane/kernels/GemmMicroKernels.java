package org.gatelane.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register micro-kernels of the GEMM engine: {@code C[rows x NR] += A[rows x depth] · B-panel[depth x NR]},
 * A's row i at {@code a0 + i·lda}, the panel packed by {@link GemmPacking} (or, at the widths that allow it, B's
 * own rows: {@link #tileOfFourVectors}). The accumulators are separate locals,
 * not an array, so that C2 keeps them all in registers; each FMA takes the accumulator as its addend, which C2
 * compiles to one {@code vfmadd231ps}. That is also why each tile shape is a method of its own, a smaller tile
 * beside each main one: a single method with a loop-invariant test for the last row was unswitched by C2, but
 * set up with dozens of stack spills. The tile shapes are {@link GemmTiles}'s.
 */
final class GemmMicroKernels {

    private static final VectorSpecies<Float> SPECIES = VectorConstants.SPECIES;
    private static final int LANES = VectorConstants.LANES;
    private static final int VECTORS = GemmTiles.CURRENT.vectors();
    private static final int NR = VECTORS * LANES;
    private static final int MR = GemmTiles.CURRENT.rows();

    private GemmMicroKernels() {
    }

    /** The tile of {@code height} rows: {@link GemmTiles#rows()} or {@link GemmTiles#smallRows()}. */
    static void tile(int height, int depth, float[] a, int aOff, int lda, float[] packedB, int panelOfB,
                     float[] c, int cAt, int ldc) {
        if (VECTORS == 4) {
            tileOfFourVectors(height, depth, a, aOff, lda, packedB, panelOfB, NR, c, cAt, ldc);
        } else if (height == MR) {
            tile5x2(depth, a, aOff, lda, packedB, panelOfB, c, cAt, ldc);
        } else {
            tile4x2(depth, a, aOff, lda, packedB, panelOfB, c, cAt, ldc);
        }
    }

    /**
     * The four-vector tile of {@code height} rows over a panel whose rows are {@code ldb} apart: NR for a packed
     * panel, B's own row stride where {@link GemmTiles#readsBInPlace()} (which only the four-vector widths may set).
     * The tiles step their panel index by the variable {@code ldb}, which C2 checks once per row of the panel, and
     * their 24 FMAs a step hide that; the two-vector tiles keep NR a constant (see {@link GemmTiles#forWidth}).
     */
    static void tileOfFourVectors(int height, int depth, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                  float[] c, int cAt, int ldc) {
        if (height == MR) {
            tile6x4(depth, a, aOff, lda, b, bOff, ldb, c, cAt, ldc);
        } else {
            tile5x4(depth, a, aOff, lda, b, bOff, ldb, c, cAt, ldc);
        }
    }

    /**
     * The main tile ({@link GemmTiles#rows()} rows) on a transposed A read in place, element (i, p) at
     * {@code aOff + p·depthStride + i}: the rows of a weight gradient's {@code hᵀ}, which otherwise are copied into
     * rows first (a tenth of the weight gradient's time at H = 128). A twin of each main tile rather than one
     * kernel for both layouts, because each layout's reads want their own index form: C2 removes the bounds checks
     * of rows read at {@code a_i + p} (range-check elimination needs a constant scale of p), and a transposed A's
     * adjacent reads at {@code ap + i} have constant offsets, whose checks C2 can merge. One kernel taking both
     * strides as variables measured slower: the weight gradient 1.02-1.09x as fast as with the copy, where this
     * twin measured 1.08-1.14x (Zen 4, 512 bits, H = 128 and 256).
     */
    static void mainTileTransposedA(int depth, float[] a, int aOff, int depthStride, float[] packedB, int panelOfB,
                                    float[] c, int cAt, int ldc) {
        if (VECTORS == 4) {
            tile6x4TransposedA(depth, a, aOff, depthStride, packedB, panelOfB, c, cAt, ldc);
        } else {
            tile5x2TransposedA(depth, a, aOff, depthStride, packedB, panelOfB, c, cAt, ldc);
        }
    }

    /** Rows the {@link #firstVectorOfTile} kernel computes at most: the tallest tile of {@link GemmTiles}. */
    static final int FIRST_VECTOR_ROWS = 6;

    /**
     * The first vector of a tile of {@code height <= 6} rows only, for a last panel whose valid columns fit in one
     * vector: a head over 65 symbols is 64 + 1 columns, and the full tile spent as many FMAs on the one column as
     * on the other 64. Rows past {@code height} repeat the last row and are not stored, so the loop holds no test
     * and reads nothing outside A's rows. Each element is one chain of FMAs in depth order, the full tile's sums.
     */
    static void firstVectorOfTile(int height, int depth, float[] a, int a0, int lda, float[] b, int b0, float[] c,
                                  int c0, int ldc) {
        int last = height - 1;
        int r1 = Math.min(1, last), r2 = Math.min(2, last), r3 = Math.min(3, last), r4 = Math.min(4, last);
        int r5 = Math.min(5, last);
        FloatVector c0v = FloatVector.fromArray(SPECIES, c, c0);
        FloatVector c1v = FloatVector.fromArray(SPECIES, c, c0 + r1 * ldc);
        FloatVector c2v = FloatVector.fromArray(SPECIES, c, c0 + r2 * ldc);
        FloatVector c3v = FloatVector.fromArray(SPECIES, c, c0 + r3 * ldc);
        FloatVector c4v = FloatVector.fromArray(SPECIES, c, c0 + r4 * ldc);
        FloatVector c5v = FloatVector.fromArray(SPECIES, c, c0 + r5 * ldc);
        int a1 = a0 + r1 * lda, a2 = a0 + r2 * lda, a3 = a0 + r3 * lda, a4 = a0 + r4 * lda, a5 = a0 + r5 * lda;
        for (int p = 0; p < depth; p++) {
            FloatVector bv = FloatVector.fromArray(SPECIES, b, b0 + p * NR);
            c0v = FloatVector.broadcast(SPECIES, a[a0 + p]).fma(bv, c0v);
            c1v = FloatVector.broadcast(SPECIES, a[a1 + p]).fma(bv, c1v);
            c2v = FloatVector.broadcast(SPECIES, a[a2 + p]).fma(bv, c2v);
            c3v = FloatVector.broadcast(SPECIES, a[a3 + p]).fma(bv, c3v);
            c4v = FloatVector.broadcast(SPECIES, a[a4 + p]).fma(bv, c4v);
            c5v = FloatVector.broadcast(SPECIES, a[a5 + p]).fma(bv, c5v);
        }
        c0v.intoArray(c, c0);
        if (height > 1) {
            c1v.intoArray(c, c0 + ldc);
        }
        if (height > 2) {
            c2v.intoArray(c, c0 + 2 * ldc);
        }
        if (height > 3) {
            c3v.intoArray(c, c0 + 3 * ldc);
        }
        if (height > 4) {
            c4v.intoArray(c, c0 + 4 * ldc);
        }
        if (height > 5) {
            c5v.intoArray(c, c0 + 5 * ldc);
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

    /** Six rows by four vectors: 24 accumulators, for AVX-512's 32 registers. */
    private static void tile6x4(int depth, float[] a, int a0, int lda, float[] b, int b0, int ldb, float[] c,
                                int c0, int ldc) {
        FloatVector c00 = FloatVector.fromArray(SPECIES, c, c0);
        FloatVector c01 = FloatVector.fromArray(SPECIES, c, c0 + LANES);
        FloatVector c02 = FloatVector.fromArray(SPECIES, c, c0 + 2 * LANES);
        FloatVector c03 = FloatVector.fromArray(SPECIES, c, c0 + 3 * LANES);
        FloatVector c10 = FloatVector.fromArray(SPECIES, c, c0 + ldc);
        FloatVector c11 = FloatVector.fromArray(SPECIES, c, c0 + ldc + LANES);
        FloatVector c12 = FloatVector.fromArray(SPECIES, c, c0 + ldc + 2 * LANES);
        FloatVector c13 = FloatVector.fromArray(SPECIES, c, c0 + ldc + 3 * LANES);
        FloatVector c20 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc);
        FloatVector c21 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc + LANES);
        FloatVector c22 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc + 2 * LANES);
        FloatVector c23 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc + 3 * LANES);
        FloatVector c30 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc);
        FloatVector c31 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc + LANES);
        FloatVector c32 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc + 2 * LANES);
        FloatVector c33 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc + 3 * LANES);
        FloatVector c40 = FloatVector.fromArray(SPECIES, c, c0 + 4 * ldc);
        FloatVector c41 = FloatVector.fromArray(SPECIES, c, c0 + 4 * ldc + LANES);
        FloatVector c42 = FloatVector.fromArray(SPECIES, c, c0 + 4 * ldc + 2 * LANES);
        FloatVector c43 = FloatVector.fromArray(SPECIES, c, c0 + 4 * ldc + 3 * LANES);
        FloatVector c50 = FloatVector.fromArray(SPECIES, c, c0 + 5 * ldc);
        FloatVector c51 = FloatVector.fromArray(SPECIES, c, c0 + 5 * ldc + LANES);
        FloatVector c52 = FloatVector.fromArray(SPECIES, c, c0 + 5 * ldc + 2 * LANES);
        FloatVector c53 = FloatVector.fromArray(SPECIES, c, c0 + 5 * ldc + 3 * LANES);
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        for (int p = 0, bp = b0; p < depth; p++, bp += ldb) {
            FloatVector b0v = FloatVector.fromArray(SPECIES, b, bp);
            FloatVector b1v = FloatVector.fromArray(SPECIES, b, bp + LANES);
            FloatVector b2v = FloatVector.fromArray(SPECIES, b, bp + 2 * LANES);
            FloatVector b3v = FloatVector.fromArray(SPECIES, b, bp + 3 * LANES);
            FloatVector ar = FloatVector.broadcast(SPECIES, a[a0 + p]);
            c00 = ar.fma(b0v, c00);
            c01 = ar.fma(b1v, c01);
            c02 = ar.fma(b2v, c02);
            c03 = ar.fma(b3v, c03);
            ar = FloatVector.broadcast(SPECIES, a[a1 + p]);
            c10 = ar.fma(b0v, c10);
            c11 = ar.fma(b1v, c11);
            c12 = ar.fma(b2v, c12);
            c13 = ar.fma(b3v, c13);
            ar = FloatVector.broadcast(SPECIES, a[a2 + p]);
            c20 = ar.fma(b0v, c20);
            c21 = ar.fma(b1v, c21);
            c22 = ar.fma(b2v, c22);
            c23 = ar.fma(b3v, c23);
            ar = FloatVector.broadcast(SPECIES, a[a3 + p]);
            c30 = ar.fma(b0v, c30);
            c31 = ar.fma(b1v, c31);
            c32 = ar.fma(b2v, c32);
            c33 = ar.fma(b3v, c33);
            ar = FloatVector.broadcast(SPECIES, a[a4 + p]);
            c40 = ar.fma(b0v, c40);
            c41 = ar.fma(b1v, c41);
            c42 = ar.fma(b2v, c42);
            c43 = ar.fma(b3v, c43);
            ar = FloatVector.broadcast(SPECIES, a[a5 + p]);
            c50 = ar.fma(b0v, c50);
            c51 = ar.fma(b1v, c51);
            c52 = ar.fma(b2v, c52);
            c53 = ar.fma(b3v, c53);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + LANES);
        c02.intoArray(c, c0 + 2 * LANES);
        c03.intoArray(c, c0 + 3 * LANES);
        c10.intoArray(c, c0 + ldc);
        c11.intoArray(c, c0 + ldc + LANES);
        c12.intoArray(c, c0 + ldc + 2 * LANES);
        c13.intoArray(c, c0 + ldc + 3 * LANES);
        c20.intoArray(c, c0 + 2 * ldc);
        c21.intoArray(c, c0 + 2 * ldc + LANES);
        c22.intoArray(c, c0 + 2 * ldc + 2 * LANES);
        c23.intoArray(c, c0 + 2 * ldc + 3 * LANES);
        c30.intoArray(c, c0 + 3 * ldc);
        c31.intoArray(c, c0 + 3 * ldc + LANES);
        c32.intoArray(c, c0 + 3 * ldc + 2 * LANES);
        c33.intoArray(c, c0 + 3 * ldc + 3 * LANES);
        c40.intoArray(c, c0 + 4 * ldc);
        c41.intoArray(c, c0 + 4 * ldc + LANES);
        c42.intoArray(c, c0 + 4 * ldc + 2 * LANES);
        c43.intoArray(c, c0 + 4 * ldc + 3 * LANES);
        c50.intoArray(c, c0 + 5 * ldc);
        c51.intoArray(c, c0 + 5 * ldc + LANES);
        c52.intoArray(c, c0 + 5 * ldc + 2 * LANES);
        c53.intoArray(c, c0 + 5 * ldc + 3 * LANES);
    }

    /** Five rows of {@link #tile6x4}. */
    private static void tile5x4(int depth, float[] a, int a0, int lda, float[] b, int b0, int ldb, float[] c,
                                int c0, int ldc) {
        FloatVector c00 = FloatVector.fromArray(SPECIES, c, c0);
        FloatVector c01 = FloatVector.fromArray(SPECIES, c, c0 + LANES);
        FloatVector c02 = FloatVector.fromArray(SPECIES, c, c0 + 2 * LANES);
        FloatVector c03 = FloatVector.fromArray(SPECIES, c, c0 + 3 * LANES);
        FloatVector c10 = FloatVector.fromArray(SPECIES, c, c0 + ldc);
        FloatVector c11 = FloatVector.fromArray(SPECIES, c, c0 + ldc + LANES);
        FloatVector c12 = FloatVector.fromArray(SPECIES, c, c0 + ldc + 2 * LANES);
        FloatVector c13 = FloatVector.fromArray(SPECIES, c, c0 + ldc + 3 * LANES);
        FloatVector c20 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc);
        FloatVector c21 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc + LANES);
        FloatVector c22 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc + 2 * LANES);
        FloatVector c23 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc + 3 * LANES);
        FloatVector c30 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc);
        FloatVector c31 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc + LANES);
        FloatVector c32 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc + 2 * LANES);
        FloatVector c33 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc + 3 * LANES);
        FloatVector c40 = FloatVector.fromArray(SPECIES, c, c0 + 4 * ldc);
        FloatVector c41 = FloatVector.fromArray(SPECIES, c, c0 + 4 * ldc + LANES);
        FloatVector c42 = FloatVector.fromArray(SPECIES, c, c0 + 4 * ldc + 2 * LANES);
        FloatVector c43 = FloatVector.fromArray(SPECIES, c, c0 + 4 * ldc + 3 * LANES);
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda;
        for (int p = 0, bp = b0; p < depth; p++, bp += ldb) {
            FloatVector b0v = FloatVector.fromArray(SPECIES, b, bp);
            FloatVector b1v = FloatVector.fromArray(SPECIES, b, bp + LANES);
            FloatVector b2v = FloatVector.fromArray(SPECIES, b, bp + 2 * LANES);
            FloatVector b3v = FloatVector.fromArray(SPECIES, b, bp + 3 * LANES);
            FloatVector ar = FloatVector.broadcast(SPECIES, a[a0 + p]);
            c00 = ar.fma(b0v, c00);
            c01 = ar.fma(b1v, c01);
            c02 = ar.fma(b2v, c02);
            c03 = ar.fma(b3v, c03);
            ar = FloatVector.broadcast(SPECIES, a[a1 + p]);
            c10 = ar.fma(b0v, c10);
            c11 = ar.fma(b1v, c11);
            c12 = ar.fma(b2v, c12);
            c13 = ar.fma(b3v, c13);
            ar = FloatVector.broadcast(SPECIES, a[a2 + p]);
            c20 = ar.fma(b0v, c20);
            c21 = ar.fma(b1v, c21);
            c22 = ar.fma(b2v, c22);
            c23 = ar.fma(b3v, c23);
            ar = FloatVector.broadcast(SPECIES, a[a3 + p]);
            c30 = ar.fma(b0v, c30);
            c31 = ar.fma(b1v, c31);
            c32 = ar.fma(b2v, c32);
            c33 = ar.fma(b3v, c33);
            ar = FloatVector.broadcast(SPECIES, a[a4 + p]);
            c40 = ar.fma(b0v, c40);
            c41 = ar.fma(b1v, c41);
            c42 = ar.fma(b2v, c42);
            c43 = ar.fma(b3v, c43);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + LANES);
        c02.intoArray(c, c0 + 2 * LANES);
        c03.intoArray(c, c0 + 3 * LANES);
        c10.intoArray(c, c0 + ldc);
        c11.intoArray(c, c0 + ldc + LANES);
        c12.intoArray(c, c0 + ldc + 2 * LANES);
        c13.intoArray(c, c0 + ldc + 3 * LANES);
        c20.intoArray(c, c0 + 2 * ldc);
        c21.intoArray(c, c0 + 2 * ldc + LANES);
        c22.intoArray(c, c0 + 2 * ldc + 2 * LANES);
        c23.intoArray(c, c0 + 2 * ldc + 3 * LANES);
        c30.intoArray(c, c0 + 3 * ldc);
        c31.intoArray(c, c0 + 3 * ldc + LANES);
        c32.intoArray(c, c0 + 3 * ldc + 2 * LANES);
        c33.intoArray(c, c0 + 3 * ldc + 3 * LANES);
        c40.intoArray(c, c0 + 4 * ldc);
        c41.intoArray(c, c0 + 4 * ldc + LANES);
        c42.intoArray(c, c0 + 4 * ldc + 2 * LANES);
        c43.intoArray(c, c0 + 4 * ldc + 3 * LANES);
    }

    /** {@link #tile6x4} on a transposed A, read in place. */
    private static void tile6x4TransposedA(int depth, float[] a, int a0, int depthStride, float[] b, int b0,
                                           float[] c, int c0, int ldc) {
        FloatVector c00 = FloatVector.fromArray(SPECIES, c, c0);
        FloatVector c01 = FloatVector.fromArray(SPECIES, c, c0 + LANES);
        FloatVector c02 = FloatVector.fromArray(SPECIES, c, c0 + 2 * LANES);
        FloatVector c03 = FloatVector.fromArray(SPECIES, c, c0 + 3 * LANES);
        FloatVector c10 = FloatVector.fromArray(SPECIES, c, c0 + ldc);
        FloatVector c11 = FloatVector.fromArray(SPECIES, c, c0 + ldc + LANES);
        FloatVector c12 = FloatVector.fromArray(SPECIES, c, c0 + ldc + 2 * LANES);
        FloatVector c13 = FloatVector.fromArray(SPECIES, c, c0 + ldc + 3 * LANES);
        FloatVector c20 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc);
        FloatVector c21 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc + LANES);
        FloatVector c22 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc + 2 * LANES);
        FloatVector c23 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc + 3 * LANES);
        FloatVector c30 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc);
        FloatVector c31 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc + LANES);
        FloatVector c32 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc + 2 * LANES);
        FloatVector c33 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc + 3 * LANES);
        FloatVector c40 = FloatVector.fromArray(SPECIES, c, c0 + 4 * ldc);
        FloatVector c41 = FloatVector.fromArray(SPECIES, c, c0 + 4 * ldc + LANES);
        FloatVector c42 = FloatVector.fromArray(SPECIES, c, c0 + 4 * ldc + 2 * LANES);
        FloatVector c43 = FloatVector.fromArray(SPECIES, c, c0 + 4 * ldc + 3 * LANES);
        FloatVector c50 = FloatVector.fromArray(SPECIES, c, c0 + 5 * ldc);
        FloatVector c51 = FloatVector.fromArray(SPECIES, c, c0 + 5 * ldc + LANES);
        FloatVector c52 = FloatVector.fromArray(SPECIES, c, c0 + 5 * ldc + 2 * LANES);
        FloatVector c53 = FloatVector.fromArray(SPECIES, c, c0 + 5 * ldc + 3 * LANES);
        for (int p = 0, ap = a0; p < depth; p++, ap += depthStride) {
            int bp = b0 + p * NR;
            FloatVector b0v = FloatVector.fromArray(SPECIES, b, bp);
            FloatVector b1v = FloatVector.fromArray(SPECIES, b, bp + LANES);
            FloatVector b2v = FloatVector.fromArray(SPECIES, b, bp + 2 * LANES);
            FloatVector b3v = FloatVector.fromArray(SPECIES, b, bp + 3 * LANES);
            FloatVector ar = FloatVector.broadcast(SPECIES, a[ap]);
            c00 = ar.fma(b0v, c00);
            c01 = ar.fma(b1v, c01);
            c02 = ar.fma(b2v, c02);
            c03 = ar.fma(b3v, c03);
            ar = FloatVector.broadcast(SPECIES, a[ap + 1]);
            c10 = ar.fma(b0v, c10);
            c11 = ar.fma(b1v, c11);
            c12 = ar.fma(b2v, c12);
            c13 = ar.fma(b3v, c13);
            ar = FloatVector.broadcast(SPECIES, a[ap + 2]);
            c20 = ar.fma(b0v, c20);
            c21 = ar.fma(b1v, c21);
            c22 = ar.fma(b2v, c22);
            c23 = ar.fma(b3v, c23);
            ar = FloatVector.broadcast(SPECIES, a[ap + 3]);
            c30 = ar.fma(b0v, c30);
            c31 = ar.fma(b1v, c31);
            c32 = ar.fma(b2v, c32);
            c33 = ar.fma(b3v, c33);
            ar = FloatVector.broadcast(SPECIES, a[ap + 4]);
            c40 = ar.fma(b0v, c40);
            c41 = ar.fma(b1v, c41);
            c42 = ar.fma(b2v, c42);
            c43 = ar.fma(b3v, c43);
            ar = FloatVector.broadcast(SPECIES, a[ap + 5]);
            c50 = ar.fma(b0v, c50);
            c51 = ar.fma(b1v, c51);
            c52 = ar.fma(b2v, c52);
            c53 = ar.fma(b3v, c53);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + LANES);
        c02.intoArray(c, c0 + 2 * LANES);
        c03.intoArray(c, c0 + 3 * LANES);
        c10.intoArray(c, c0 + ldc);
        c11.intoArray(c, c0 + ldc + LANES);
        c12.intoArray(c, c0 + ldc + 2 * LANES);
        c13.intoArray(c, c0 + ldc + 3 * LANES);
        c20.intoArray(c, c0 + 2 * ldc);
        c21.intoArray(c, c0 + 2 * ldc + LANES);
        c22.intoArray(c, c0 + 2 * ldc + 2 * LANES);
        c23.intoArray(c, c0 + 2 * ldc + 3 * LANES);
        c30.intoArray(c, c0 + 3 * ldc);
        c31.intoArray(c, c0 + 3 * ldc + LANES);
        c32.intoArray(c, c0 + 3 * ldc + 2 * LANES);
        c33.intoArray(c, c0 + 3 * ldc + 3 * LANES);
        c40.intoArray(c, c0 + 4 * ldc);
        c41.intoArray(c, c0 + 4 * ldc + LANES);
        c42.intoArray(c, c0 + 4 * ldc + 2 * LANES);
        c43.intoArray(c, c0 + 4 * ldc + 3 * LANES);
        c50.intoArray(c, c0 + 5 * ldc);
        c51.intoArray(c, c0 + 5 * ldc + LANES);
        c52.intoArray(c, c0 + 5 * ldc + 2 * LANES);
        c53.intoArray(c, c0 + 5 * ldc + 3 * LANES);
    }

    /** {@link #tile5x2} on a transposed A, read in place. */
    private static void tile5x2TransposedA(int depth, float[] a, int a0, int depthStride, float[] b, int b0,
                                           float[] c, int c0, int ldc) {
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
        for (int p = 0, ap = a0; p < depth; p++, ap += depthStride) {
            int bp = b0 + p * NR;
            FloatVector b0v = FloatVector.fromArray(SPECIES, b, bp);
            FloatVector b1v = FloatVector.fromArray(SPECIES, b, bp + LANES);
            FloatVector ar = FloatVector.broadcast(SPECIES, a[ap]);
            c00 = ar.fma(b0v, c00);
            c01 = ar.fma(b1v, c01);
            ar = FloatVector.broadcast(SPECIES, a[ap + 1]);
            c10 = ar.fma(b0v, c10);
            c11 = ar.fma(b1v, c11);
            ar = FloatVector.broadcast(SPECIES, a[ap + 2]);
            c20 = ar.fma(b0v, c20);
            c21 = ar.fma(b1v, c21);
            ar = FloatVector.broadcast(SPECIES, a[ap + 3]);
            c30 = ar.fma(b0v, c30);
            c31 = ar.fma(b1v, c31);
            ar = FloatVector.broadcast(SPECIES, a[ap + 4]);
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
}
