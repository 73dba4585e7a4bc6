package org.gatelane.kernels;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM engine of {@link VectorKernels}, built the way BLIS builds one: {@code C (+)= A·B} for A and B read
 * through any strides (so {@code A·B}, {@code Aᵀ·B} and {@code A·Bᵀ} are one code path that differs only in how
 * the operands are copied), cut into depth blocks of {@link #KC}, column blocks of {@link #NC} and row blocks of
 * {@link #MC}. Each block of B is packed into panels {@link #NR} columns wide, contiguous in the order the
 * micro-kernel reads them; the micro-kernel runs over one B panel (in L1) for every row tile of the A block (in
 * L2). A with contiguous rows is read in place, any other A is first copied into contiguous rows.
 *
 * <p>Why the operands must be contiguous with a constant step: in the micro-kernel's loop C2 removes the bounds
 * checks only of indices that advance by a constant. Over B read with its own leading dimension, and A with two
 * strides, every load kept its check and an index multiply, and the tile ran at 60 % of the core's peak; on
 * packed B panels and unit-stride rows of A it runs at about 85 % (AMD Zen 3, 256 bits, m = 30, k = 256,
 * n = 960).
 *
 * <p>Every partial tile (the last rows or the last columns) runs the same micro-kernel, on zero-padded copies,
 * into a small per-thread tile whose valid part then goes back to C: one tail hand-off for every shape. The
 * per-thread buffers are allocated on a thread's first call and grown to the largest block it has seen, so
 * steady-state calls allocate nothing and threads never share them.
 */
final class VectorGemm {

    private static final VectorSpecies<Float> SPECIES = VectorKernels.SPECIES;
    private static final int LANES = SPECIES.length();

    /** Columns of one packed panel of B and of the register tile: two vectors. */
    static final int NR = 2 * LANES;

    /**
     * Rows of the register tile. Five rows by two vectors is 10 accumulators, 2 B vectors and the broadcasts of
     * A: it fits AVX2's 16 vector registers with room to spare, and 10 independent FMA chains cover a latency of
     * four cycles on two pipes. Six rows (12 accumulators) measured half as fast: on packed panels C2 schedules
     * several broadcasts ahead, runs out of registers and spills an accumulator into every iteration.
     */
    private static final int MR = 5;

    /** Rows of the smaller tile that, mixed with five-row tiles, covers 32 = 5·4 + 4·3 and 64 = 5·12 + 4 rows. */
    private static final int MR_SMALL = 4;

    /** Depth of a block: one packed B panel, {@code KC × NR} floats, is 16 KB at any width, half of L1. */
    static final int KC = 2048 / LANES;

    /** Rows of an A block: 120 × KC floats, 120 KB at 256 bits, stay in L2 while the panels of B pass. */
    private static final int MC = 120;

    /** Columns of a packed B block, which bounds the per-thread buffer to {@code KC × NC} floats (1 MB at 256). */
    private static final int NC = 1024;

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private VectorGemm() {
    }

    /** The copies of A and B and the partial tile of one thread. */
    private static final class Workspace {
        final float[] rowsOfA = new float[MC * KC];
        final float[] lastRowsOfA = new float[MR * KC];
        final float[] partialTile = new float[MR * NR];
        float[] packedB = new float[0];

        float[] packedB(int floats) {
            if (packedB.length < floats) {
                packedB = new float[floats];
            }
            return packedB;
        }
    }

    static void gemm(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        multiply(m, n, k, a, aOff, lda, 1, b, bOff, ldb, 1, c, cOff, ldc, accumulate);
    }

    static void gemmTransA(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        // Aᵀ's element (i, p) is A's element (p, i): only the strides the packing reads with change.
        multiply(m, n, k, a, aOff, 1, lda, b, bOff, ldb, 1, c, cOff, ldc, accumulate);
    }

    static void gemmTransB(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        multiply(m, n, k, a, aOff, lda, 1, b, bOff, 1, ldb, c, cOff, ldc, accumulate);
    }

    /**
     * C (+)= A·B where A's element (i, p) is at {@code aOff + i·aRowStride + p·aDepthStride} and B's element
     * (p, j) at {@code bOff + p·bDepthStride + j·bColumnStride}.
     */
    private static void multiply(int m, int n, int k, float[] a, int aOff, int aRowStride, int aDepthStride,
                                 float[] b, int bOff, int bDepthStride, int bColumnStride, float[] c, int cOff,
                                 int ldc, boolean accumulate) {
        clearUnlessAccumulating(m, n, c, cOff, ldc, accumulate);
        if (m == 0 || n == 0 || k == 0) {
            return;
        }
        Workspace workspace = WORKSPACE.get();
        for (int j0 = 0; j0 < n; j0 += NC) {
            int columns = Math.min(NC, n - j0);
            float[] packedB = workspace.packedB(KC * roundUpToPanels(columns));
            for (int p0 = 0; p0 < k; p0 += KC) {
                int depth = Math.min(KC, k - p0);
                packBlockOfB(depth, columns, b, bOff + p0 * bDepthStride + j0 * bColumnStride, bDepthStride,
                        bColumnStride, packedB, 0);
                rowBlocks(m, columns, depth, a, aOff + p0 * aDepthStride, aRowStride, aDepthStride, packedB, 0, c,
                        cOff + j0, ldc, workspace);
            }
        }
    }

    /** Floats that {@link #packB} writes for a {@code [k x n]} B: every depth block's panels, the last padded. */
    static int packedSize(int k, int n) {
        return Math.multiplyExact(k, roundUpToPanels(n));
    }

    /**
     * B as {@link #gemmPacked} reads it: each depth block of {@link #KC} rows packed as {@link #multiply} packs a
     * block on every call, so that a B shared by many calls (the recurrent weights over the time steps of a
     * pass) is packed once.
     */
    static void packB(int k, int n, float[] b, int bOff, int ldb, float[] packed, int packedOff) {
        int blockStride = roundUpToPanels(n);
        for (int p0 = 0; p0 < k; p0 += KC) {
            packBlockOfB(Math.min(KC, k - p0), n, b, bOff + p0 * ldb, ldb, 1, packed, packedOff + p0 * blockStride);
        }
    }

    /** {@code C (+)= A·B} over B packed by {@link #packB}: the same blocks as {@link #multiply}, none copied. */
    static void gemmPacked(int m, int n, int k, float[] a, int aOff, int lda, float[] packed, int packedOff,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        clearUnlessAccumulating(m, n, c, cOff, ldc, accumulate);
        if (m == 0 || n == 0) {
            return;
        }
        Workspace workspace = WORKSPACE.get();
        int blockStride = roundUpToPanels(n);
        for (int p0 = 0; p0 < k; p0 += KC) {
            rowBlocks(m, n, Math.min(KC, k - p0), a, aOff + p0, lda, 1, packed, packedOff + p0 * blockStride, c,
                    cOff, ldc, workspace);
        }
    }

    private static int roundUpToPanels(int n) {
        return (n + NR - 1) / NR * NR;
    }

    private static void clearUnlessAccumulating(int m, int n, float[] c, int cOff, int ldc, boolean accumulate) {
        if (!accumulate) {
            for (int i = 0; i < m; i++) {
                Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            }
        }
    }

    /**
     * {@code C[m x n] += A[m x depth] · B} for one packed block of B, {@link #MC} rows of A at a time. A whose rows
     * are contiguous is read in place: the tile's five broadcasts then walk five rows with unit stride, which C2
     * compiles without bounds checks, as fast as a packed copy would be and without the copy, which took a
     * seventh of a training step. Any other A (the transposed one of a weight gradient) is first copied into
     * rows of its own.
     */
    private static void rowBlocks(int m, int n, int depth, float[] a, int aOff, int aRowStride, int aDepthStride,
                                  float[] packedB, int packedBOff, float[] c, int cOff, int ldc, Workspace workspace) {
        for (int i0 = 0; i0 < m; i0 += MC) {
            int rows = Math.min(MC, m - i0);
            int fiveRowSpan = fiveRowSpan(rows);
            int source = aOff + i0 * aRowStride;
            if (aDepthStride == 1) {
                macroKernel(rows, fiveRowSpan, n, depth, a, source, aRowStride, false, packedB, packedBOff, c,
                        cOff + i0 * ldc, ldc, workspace);
            } else {
                copyRows(rows, paddedRows(rows, fiveRowSpan), depth, a, source, aRowStride, aDepthStride,
                        workspace.rowsOfA, 0);
                macroKernel(rows, fiveRowSpan, n, depth, workspace.rowsOfA, 0, depth, true, packedB, packedBOff, c,
                        cOff + i0 * ldc, ldc, workspace);
            }
        }
    }

    /**
     * How many leading rows of a block of {@code rows} go to five-row tiles; four-row tiles take the rest. The
     * split leaves no tile partial whenever one exists ({@code rows >= 12}, the batch sizes 32 and 64 among
     * them); below that the last five-row tile is partial.
     */
    static int fiveRowSpan(int rows) {
        int fourRowTiles = (4 * rows) % MR; // 4·f ≡ rows (mod 5), as 4 is its own inverse mod 5
        return MR_SMALL * fourRowTiles <= rows ? rows - MR_SMALL * fourRowTiles : rows;
    }

    /** The height of the tile starting at {@code row}: five up to {@code fiveRowSpan}, four after it. */
    private static int tileHeight(int row, int fiveRowSpan) {
        return row < fiveRowSpan ? MR : MR_SMALL;
    }

    /** The first row of the tile that holds the last of {@code rows > 0} rows. */
    private static int lastTileStart(int rows, int fiveRowSpan) {
        int row = 0;
        while (row + tileHeight(row, fiveRowSpan) < rows) {
            row += tileHeight(row, fiveRowSpan);
        }
        return row;
    }

    /** {@code rows > 0} rounded up to the end of the tile that holds the last of them. */
    private static int paddedRows(int rows, int fiveRowSpan) {
        int lastTile = lastTileStart(rows, fiveRowSpan);
        return lastTile + tileHeight(lastTile, fiveRowSpan);
    }

    /**
     * Rows {@code [0, rows)} of A's block, {@code depth} wide, into {@code target} as contiguous rows, then zero
     * rows up to {@code paddedRows}.
     */
    private static void copyRows(int rows, int paddedRows, int depth, float[] a, int aOff, int aRowStride,
                                 int aDepthStride, float[] target, int targetOff) {
        // Row by row: the writes run contiguously, and for a transposed A the depth-many lines one row reads stay
        // in L1 for the rows after it. Column by column, every write of a block touched a new line.
        for (int i = 0; i < rows; i++) {
            int source = aOff + i * aRowStride;
            int row = targetOff + i * depth;
            for (int p = 0; p < depth; p++) {
                target[row + p] = a[source + p * aDepthStride];
            }
        }
        Arrays.fill(target, targetOff + rows * depth, targetOff + paddedRows * depth, 0f);
    }

    /**
     * B's {@code depth x columns} block as panels of {@link #NR} columns: panel q holds element (p, qNR + j) at
     * {@code packedOff + q·NR·depth + p·NR + j}, zeros past the last column.
     */
    private static void packBlockOfB(int depth, int columns, float[] b, int bOff, int bDepthStride,
                                     int bColumnStride, float[] packed, int packedOff) {
        int wholePanels = bColumnStride == 1 ? columns / NR * NR : 0;
        // Row by row: each row of B is read once, front to back, which the prefetchers follow; panel by panel,
        // every load of a panel's column strip touched a new line of a row 4 KB or more from the last.
        for (int p = 0; p < depth; p++) {
            int from = bOff + p * bDepthStride;
            for (int j0 = 0; j0 < wholePanels; j0 += NR) {
                int to = packedOff + j0 * depth + p * NR;
                FloatVector.fromArray(SPECIES, b, from + j0).intoArray(packed, to);
                FloatVector.fromArray(SPECIES, b, from + j0 + LANES).intoArray(packed, to + LANES);
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
            // it is spread over (16 KB) stays in L1; depth first read every column's row in strides.
            for (int j = 0; j < valid; j++) {
                int from = source + j * bColumnStride;
                for (int p = 0; p < depth; p++) {
                    packed[panel + p * NR + j] = b[from + p * bDepthStride];
                }
            }
        }
    }

    /**
     * {@code C[rows x columns] += A·B} for a block of A (row i at {@code aOff + i·lda}) and a packed block of B:
     * B panels outer, so that one panel stays in L1 while every row tile of A streams past it from L2. A partial
     * last tile reads its rows from a zero-padded copy, made once for the block, unless {@code aHoldsPadding}
     * says that A (a copy already) has its zero rows.
     */
    private static void macroKernel(int rows, int fiveRowSpan, int columns, int depth, float[] a, int aOff, int lda,
                                    boolean aHoldsPadding, float[] packedB, int packedBOff, float[] c, int cOff,
                                    int ldc, Workspace workspace) {
        int lastTile = lastTileStart(rows, fiveRowSpan);
        int paddedRows = lastTile + tileHeight(lastTile, fiveRowSpan);
        boolean lastFromCopy = paddedRows > rows && !aHoldsPadding;
        if (lastFromCopy) {
            copyRows(rows - lastTile, paddedRows - lastTile, depth, a, aOff + lastTile * lda, lda, 1,
                    workspace.lastRowsOfA, 0);
        }
        for (int j0 = 0; j0 < columns; j0 += NR) {
            int validColumns = Math.min(NR, columns - j0);
            int panelOfB = packedBOff + j0 * depth;
            for (int row = 0; row < rows; ) {
                int height = tileHeight(row, fiveRowSpan);
                boolean whole = row + height <= rows;
                boolean fromCopy = lastFromCopy && row == lastTile;
                float[] tileA = fromCopy ? workspace.lastRowsOfA : a;
                int tileAOff = fromCopy ? 0 : aOff + row * lda;
                int tileLda = fromCopy ? depth : lda;
                int cAt = cOff + row * ldc + j0;
                if (whole && validColumns == NR) {
                    tile(height, depth, tileA, tileAOff, tileLda, packedB, panelOfB, c, cAt, ldc);
                } else {
                    partialTile(height, Math.min(height, rows - row), validColumns, depth, tileA, tileAOff, tileLda,
                            packedB, panelOfB, c, cAt, ldc, workspace.partialTile);
                }
                row += height;
            }
        }
    }

    /**
     * A tile that C cannot hold whole: the full tile runs on zero-padded panels into {@code partialTile}, which
     * starts from C's valid part and zeros, and only the valid part goes back.
     */
    private static void partialTile(int height, int validRows, int validColumns, int depth, float[] a, int aOff,
                                    int lda, float[] packedB, int panelOfB, float[] c, int cAt, int ldc,
                                    float[] partialTile) {
        // Zeros, not an earlier call's leftovers: a stray denormal there would slow every FMA of its lane.
        Arrays.fill(partialTile, 0f);
        for (int i = 0; i < validRows; i++) {
            System.arraycopy(c, cAt + i * ldc, partialTile, i * NR, validColumns);
        }
        tile(height, depth, a, aOff, lda, packedB, panelOfB, partialTile, 0, NR);
        for (int i = 0; i < validRows; i++) {
            System.arraycopy(partialTile, i * NR, c, cAt + i * ldc, validColumns);
        }
    }

    private static void tile(int height, int depth, float[] a, int aOff, int lda, float[] packedB, int panelOfB,
                             float[] c, int cAt, int ldc) {
        if (height == MR) {
            tile5x2(depth, a, aOff, lda, packedB, panelOfB, c, cAt, ldc);
        } else {
            tile4x2(depth, a, aOff, lda, packedB, panelOfB, c, cAt, ldc);
        }
    }

    /**
     * The micro-kernel: C[5 x 2 vectors] += A[5 x depth] · B-panel[depth x 2 vectors], A's row i at
     * {@code a0 + i·lda}. The accumulators are separate locals, not an array, so that C2 keeps all ten in
     * registers; each FMA takes the accumulator as its addend, which C2 compiles to one {@code vfmadd231ps}.
     */
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
