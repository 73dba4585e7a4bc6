package org.gatelane.kernels;

import java.util.Arrays;

/**
 * The GEMM engine of {@link VectorKernels}, layered as BLIS layers one: this class holds the blocking loops, and
 * the packing ({@link GemmPacking}), the register micro-kernels ({@link GemmMicroKernels}) and the table of tile
 * and block sizes per width ({@link GemmTiles}) live apart. It computes {@code C (+)= A·B} for A and B read
 * through any strides (so {@code A·B}, {@code Aᵀ·B} and {@code A·Bᵀ} are one code path that differs only in how
 * the operands are copied), cut into depth blocks of {@link #KC}, column blocks of {@link #NC} and row blocks of
 * {@link #MC}. Each block of B is packed into panels {@link #NR} columns wide, contiguous in the order the
 * micro-kernel reads them; the micro-kernel runs over one B panel (in L1) for every row tile of the A block (in
 * L2). A with contiguous rows is read in place, a transposed A is first transposed into contiguous rows.
 *
 * <p>Why the operands are packed: in the micro-kernel's loop C2 removes the bounds checks only of indices that
 * advance by a constant. Over B read with its own leading dimension, and A with two strides, every load kept its
 * check and an index multiply, and the tile ran at 60 % of the core's peak; on packed B panels and unit-stride
 * rows of A it runs at about 85 % (AMD Zen 3, 256 bits, m = 30, k = 256, n = 960). The exception, at the widths
 * whose {@link GemmTiles#readsBInPlace()}, is {@link #blockWithBInPlace}: B's rows read in place by a single row
 * block of A, which alone reads each panel. Read in place by many row blocks (a weight gradient), B ran 0.75-0.8x
 * as fast as packed (Zen 4, 512 bits).
 *
 * <p>Every partial tile (the last rows or the last columns) runs the same micro-kernel, on zero-padded copies,
 * into a small per-thread tile whose valid part then goes back to C: one tail hand-off for every shape. The
 * per-thread buffers are allocated on a thread's first call and grown to the largest block it has seen, so
 * steady-state calls allocate nothing and threads never share them.
 */
final class VectorGemm {

    private static final GemmTiles TILES = GemmTiles.CURRENT;
    /** Columns of one packed panel of B and of the register tile. */
    private static final int NR = GemmPacking.NR;

    private static final int MR = TILES.rows();
    private static final int MR_SMALL = TILES.smallRows();
    private static final int KC = TILES.depth();
    private static final int MC = TILES.rowBlock();
    private static final int NC = TILES.columnBlock();

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
        multiply(m, n, k, a, aOff, lda, false, b, bOff, ldb, 1, c, cOff, ldc, accumulate);
    }

    static void gemmTransA(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        // Aᵀ's element (i, p) is A's element (p, i): only how the packing reads it changes.
        multiply(m, n, k, a, aOff, lda, true, b, bOff, ldb, 1, c, cOff, ldc, accumulate);
    }

    static void gemmTransB(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        multiply(m, n, k, a, aOff, lda, false, b, bOff, 1, ldb, c, cOff, ldc, accumulate);
    }

    /**
     * C (+)= A·B where A's element (i, p) is at {@code aOff + i·lda + p}, or at {@code aOff + p·lda + i} if
     * {@code aTransposed}, and B's element (p, j) at {@code bOff + p·bDepthStride + j·bColumnStride}.
     */
    private static void multiply(int m, int n, int k, float[] a, int aOff, int lda, boolean aTransposed, float[] b,
                                 int bOff, int bDepthStride, int bColumnStride, float[] c, int cOff, int ldc,
                                 boolean accumulate) {
        clearUnlessAccumulating(m, n, c, cOff, ldc, accumulate);
        if (m == 0 || n == 0 || k == 0) {
            return;
        }
        Workspace workspace = WORKSPACE.get();
        boolean bInPlace = TILES.readsBInPlace() && m <= MC && !aTransposed && bColumnStride == 1
                && paddedRows(m, TILES.mainTileSpan(m)) == m;
        for (int j0 = 0; j0 < n; j0 += NC) {
            int columns = Math.min(NC, n - j0);
            float[] packedB = workspace.packedB(KC * (bInPlace ? NR : GemmPacking.roundUpToPanels(columns)));
            for (int p0 = 0; p0 < k; p0 += KC) {
                int depth = Math.min(KC, k - p0);
                int blockOfB = bOff + p0 * bDepthStride + j0 * bColumnStride;
                int blockOfA = aOff + (aTransposed ? p0 * lda : p0);
                if (bInPlace) {
                    blockWithBInPlace(m, columns, depth, a, blockOfA, lda, b, blockOfB, bDepthStride, packedB, c,
                            cOff + j0, ldc, workspace);
                } else {
                    GemmPacking.packBlockOfB(depth, columns, b, blockOfB, bDepthStride, bColumnStride, packedB, 0);
                    rowBlocks(m, columns, depth, a, blockOfA, lda, aTransposed, packedB, 0, c, cOff + j0, ldc,
                            workspace);
                }
            }
        }
    }

    /**
     * {@code C[m x columns] += A·B} for one depth block, A one row block of whole tiles (rows contiguous) and B's
     * rows {@code ldb} apart, read in place (see {@link GemmTiles#forWidth} for why and what it measured). The last
     * panel, if partial, is packed into {@code panel} as {@link #macroKernel} expects. Every element of C is the
     * same chain of FMAs as on a packed block, so the bits are those of {@link #gemmPacked}.
     */
    private static void blockWithBInPlace(int m, int columns, int depth, float[] a, int aOff, int lda, float[] b,
                                          int bOff, int ldb, float[] panel, float[] c, int cOff, int ldc,
                                          Workspace workspace) {
        int mainTileSpan = TILES.mainTileSpan(m);
        int wholePanels = columns / NR * NR;
        for (int j0 = 0; j0 < wholePanels; j0 += NR) {
            for (int row = 0; row < m; ) {
                int height = tileHeight(row, mainTileSpan);
                GemmMicroKernels.tileOfFourVectors(height, depth, a, aOff + row * lda, lda, b, bOff + j0, ldb, c,
                        cOff + row * ldc + j0, ldc);
                row += height;
            }
        }
        if (wholePanels < columns) {
            GemmPacking.packPanelOfB(depth, columns - wholePanels, b, bOff + wholePanels, ldb, 1, panel, 0);
            macroKernel(m, mainTileSpan, columns - wholePanels, depth, a, aOff, lda, false, panel, 0, c,
                    cOff + wholePanels, ldc, workspace);
        }
    }

    /** Floats that {@link #packB} writes for a {@code [k x n]} B: every depth block's panels, the last padded. */
    static int packedSize(int k, int n) {
        return Math.multiplyExact(k, GemmPacking.roundUpToPanels(n));
    }

    /**
     * B as {@link #gemmPacked} reads it: each depth block of {@link #KC} rows packed as {@link #multiply} packs a
     * block on every call, so that a B shared by many calls (the recurrent weights over the time steps of a
     * pass) is packed once.
     */
    static void packB(int k, int n, float[] b, int bOff, int ldb, float[] packed, int packedOff) {
        packBlocks(k, n, b, bOff, ldb, 1, packed, packedOff);
    }

    /** {@link #packB} for a B whose element (p, j) is at {@code bOff + j·ldb + p}: panels filled by transposing. */
    static void packBTransposed(int k, int n, float[] b, int bOff, int ldb, float[] packed, int packedOff) {
        packBlocks(k, n, b, bOff, 1, ldb, packed, packedOff);
    }

    /** Every depth block of B (element (p, j) at {@code bOff + p·depthStride + j·columnStride}) in turn. */
    private static void packBlocks(int k, int n, float[] b, int bOff, int depthStride, int columnStride, float[] packed,
                                   int packedOff) {
        int blockStride = GemmPacking.roundUpToPanels(n);
        for (int p0 = 0; p0 < k; p0 += KC) {
            GemmPacking.packBlockOfB(Math.min(KC, k - p0), n, b, bOff + p0 * depthStride, depthStride, columnStride,
                    packed, packedOff + p0 * blockStride);
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
        int blockStride = GemmPacking.roundUpToPanels(n);
        for (int p0 = 0; p0 < k; p0 += KC) {
            rowBlocks(m, n, Math.min(KC, k - p0), a, aOff + p0, lda, false, packed, packedOff + p0 * blockStride,
                    c, cOff, ldc, workspace);
        }
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
     * are contiguous is read in place: the tile's broadcasts then walk its rows with unit stride, which C2
     * compiles without bounds checks, as fast as a packed copy would be and without the copy, which took a
     * seventh of a training step. A transposed A (that of a weight gradient) is read in place too where the block
     * is whole main tiles and whole panels (every block but the last of the recurrent weights' gradients), and
     * otherwise first transposed into rows of its own, whose padding the partial tiles read.
     */
    private static void rowBlocks(int m, int n, int depth, float[] a, int aOff, int lda, boolean aTransposed,
                                  float[] packedB, int packedBOff, float[] c, int cOff, int ldc, Workspace workspace) {
        for (int i0 = 0; i0 < m; i0 += MC) {
            int rows = Math.min(MC, m - i0);
            int mainTileSpan = TILES.mainTileSpan(rows);
            if (!aTransposed) {
                macroKernel(rows, mainTileSpan, n, depth, a, aOff + i0 * lda, lda, false, packedB, packedBOff, c,
                        cOff + i0 * ldc, ldc, workspace);
            } else if (rows % MR == 0 && n % NR == 0) {
                transposedMainTiles(rows, n, depth, a, aOff + i0, lda, packedB, packedBOff, c, cOff + i0 * ldc, ldc);
            } else {
                GemmPacking.transposeRows(rows, paddedRows(rows, mainTileSpan), depth, a, aOff + i0, lda,
                        workspace.rowsOfA, 0);
                macroKernel(rows, mainTileSpan, n, depth, workspace.rowsOfA, 0, depth, true, packedB, packedBOff, c,
                        cOff + i0 * ldc, ldc, workspace);
            }
        }
    }

    /**
     * {@link #macroKernel}'s loops for a block of a transposed A (element (i, p) at {@code aOff + p·lda + i}) that
     * is whole main tiles by whole panels.
     */
    private static void transposedMainTiles(int rows, int columns, int depth, float[] a, int aOff, int lda,
                                            float[] packedB, int packedBOff, float[] c, int cOff, int ldc) {
        for (int j0 = 0; j0 < columns; j0 += NR) {
            for (int row = 0; row < rows; row += MR) {
                GemmMicroKernels.mainTileTransposedA(depth, a, aOff + row, lda, packedB, packedBOff + j0 * depth, c,
                        cOff + row * ldc + j0, ldc);
            }
        }
    }

    /** The height of the tile starting at {@code row}: MR up to {@code mainTileSpan}, MR - 1 after it. */
    private static int tileHeight(int row, int mainTileSpan) {
        return row < mainTileSpan ? MR : MR_SMALL;
    }

    /** The first row of the tile that holds the last of {@code rows > 0} rows. */
    private static int lastTileStart(int rows, int mainTileSpan) {
        int row = 0;
        while (row + tileHeight(row, mainTileSpan) < rows) {
            row += tileHeight(row, mainTileSpan);
        }
        return row;
    }

    /** {@code rows > 0} rounded up to the end of the tile that holds the last of them. */
    private static int paddedRows(int rows, int mainTileSpan) {
        int lastTile = lastTileStart(rows, mainTileSpan);
        return lastTile + tileHeight(lastTile, mainTileSpan);
    }

    /**
     * {@code C[rows x columns] += A·B} for a block of A (row i at {@code aOff + i·lda}) and a packed block of B:
     * B panels outer, so that one panel stays in L1 while every row tile of A streams past it from L2. A partial
     * last tile reads its rows from a zero-padded copy, made once for the block, unless {@code aHoldsPadding}
     * says that A (a copy already) has its zero rows.
     */
    private static void macroKernel(int rows, int mainTileSpan, int columns, int depth, float[] a, int aOff, int lda,
                                    boolean aHoldsPadding, float[] packedB, int packedBOff, float[] c, int cOff,
                                    int ldc, Workspace workspace) {
        int lastTile = lastTileStart(rows, mainTileSpan);
        int paddedRows = lastTile + tileHeight(lastTile, mainTileSpan);
        boolean lastFromCopy = paddedRows > rows && !aHoldsPadding;
        if (lastFromCopy) {
            GemmPacking.copyRows(rows - lastTile, paddedRows - lastTile, depth, a, aOff + lastTile * lda, lda,
                    workspace.lastRowsOfA, 0);
        }
        for (int j0 = 0; j0 < columns; j0 += NR) {
            int validColumns = Math.min(NR, columns - j0);
            int panelOfB = packedBOff + j0 * depth;
            for (int row = 0; row < rows; ) {
                int height = tileHeight(row, mainTileSpan);
                boolean whole = row + height <= rows;
                boolean fromCopy = lastFromCopy && row == lastTile;
                float[] tileA = fromCopy ? workspace.lastRowsOfA : a;
                int tileAOff = fromCopy ? 0 : aOff + row * lda;
                int tileLda = fromCopy ? depth : lda;
                int cAt = cOff + row * ldc + j0;
                if (whole && validColumns == NR) {
                    GemmMicroKernels.tile(height, depth, tileA, tileAOff, tileLda, packedB, panelOfB, c, cAt, ldc);
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
     * starts from C's valid part and zeros, and only the valid part goes back. Columns that fit in one vector get
     * only that vector computed.
     */
    private static void partialTile(int height, int validRows, int validColumns, int depth, float[] a, int aOff,
                                    int lda, float[] packedB, int panelOfB, float[] c, int cAt, int ldc,
                                    float[] partialTile) {
        // Zeros, not an earlier call's leftovers: a stray denormal there would slow every FMA of its lane.
        Arrays.fill(partialTile, 0f);
        for (int i = 0; i < validRows; i++) {
            System.arraycopy(c, cAt + i * ldc, partialTile, i * NR, validColumns);
        }
        if (validColumns <= VectorConstants.LANES) {
            GemmMicroKernels.firstVectorOfTile(height, depth, a, aOff, lda, packedB, panelOfB, partialTile, 0, NR);
        } else {
            GemmMicroKernels.tile(height, depth, a, aOff, lda, packedB, panelOfB, partialTile, 0, NR);
        }
        for (int i = 0; i < validRows; i++) {
            System.arraycopy(partialTile, i * NR, c, cAt + i * ldc, validColumns);
        }
    }

}
