package org.gatelane.kernels;

import static org.gatelane.testing.Close.assertClose;
import static org.gatelane.testing.PropertyCases.array;
import static org.gatelane.testing.PropertyCases.positiveSize;
import static org.gatelane.testing.PropertyCases.size;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.gatelane.testing.PropertyCases;

import org.junit.jupiter.api.Test;

/**
 * Every vector kernel against its scalar twin over many seeded random cases: sizes that hit every tail,
 * non-zero offsets and leading dimensions, accumulate and overwrite. Runs once per vector width.
 */
class VectorMatchesScalarTest {

    private static final RecurrentKernels SCALAR = new ScalarKernels();
    private static final RecurrentKernels VECTOR = new VectorKernels();
    private static final int LANES = VectorConstants.LANES;
    /** Float rounding of one product-sum term; a sum of k terms may differ by k of these between orders. */
    private static final double FLOAT_EPS = Math.ulp(1f);

    /** One kernel call, given an implementation and its own copies of the arrays the call writes. */
    @FunctionalInterface
    interface Call {
        void run(RecurrentKernels kernels, float[][] outputs);
    }

    /** What the scalar twin and the vector kernels wrote, output by output. */
    record Both(float[][] expected, float[][] actual) {

        float[] expected(int output) {
            return expected[output];
        }

        float[] actual(int output) {
            return actual[output];
        }

        /** Asserts every output close, output i named {@code names[i]} followed by {@code context}. */
        void assertAllClose(String[] names, String context, double absolute, double relative) {
            for (int i = 0; i < names.length; i++) {
                assertClose(names[i] + context, expected[i], actual[i], absolute, relative);
            }
        }
    }

    /**
     * Runs {@code call} once on the scalar twin and once on the vector kernels, each on fresh copies of
     * {@code outputs} (so in-place calls see the same starting values); every case below states its call once.
     */
    static Both onBoth(Call call, float[]... outputs) {
        float[][] expected = new float[outputs.length][];
        float[][] actual = new float[outputs.length][];
        for (int i = 0; i < outputs.length; i++) {
            expected[i] = outputs[i].clone();
            actual[i] = outputs[i].clone();
        }
        call.run(SCALAR, expected);
        call.run(VECTOR, actual);
        return new Both(expected, actual);
    }

    @Test
    void runsAtTheRequestedWidth() {
        String requested = System.getProperty("gatelane.vectorBits");
        if (requested != null) {
            assertEquals(Integer.parseInt(requested), VectorKernels.speciesBits());
        }
        assertEquals("vector-" + VectorKernels.speciesBits(), VECTOR.name());
    }

    /** The three GEMM forms; {@code transA}/{@code transB} say how A and B are stored. */
    @Test
    void gemmFormsMatch() {
        PropertyCases.check("gemm", 300, random -> {
            int form = random.nextInt(3);
            int m = random.nextInt(3) == 0 ? size(random, LANES) % 40 : random.nextInt(14);
            int n = size(random, LANES) % 300;
            int k = random.nextInt(3) == 0 ? size(random, LANES) % 200 : random.nextInt(9);
            boolean accumulate = random.nextBoolean();
            int aRows = form == 1 ? k : m, aCols = form == 1 ? m : k;
            int bRows = form == 2 ? n : k, bCols = form == 2 ? k : n;
            int lda = aCols + random.nextInt(3), ldb = bCols + random.nextInt(3), ldc = n + random.nextInt(3);
            int aOff = random.nextInt(4), bOff = random.nextInt(4), cOff = random.nextInt(4);
            float[] a = array(random, aOff + aRows * lda, 2f);
            float[] b = array(random, bOff + bRows * ldb, 2f);
            float[] c = array(random, cOff + m * ldc, 2f);
            Both both = onBoth((kernels, out) -> multiply(kernels, form, m, n, k, a, aOff, lda, b, bOff, ldb, out[0],
                    cOff, ldc, accumulate), c);
            // Each |a·b| is below 4 and each sum has k + 1 terms, so orders differ by at most ~4(k+1)·eps each.
            assertClose("form " + form + " " + m + "x" + n + "x" + k, both.expected(0), both.actual(0),
                    8 * (k + 1) * FLOAT_EPS, 0);
        });
    }

    /**
     * Shapes that cross the GEMM engine's blocks: rows around one and two row blocks (120, 240), columns around
     * the column block, depths around one and two depth blocks; the other tests stay inside one block.
     */
    @Test
    void gemmFormsMatchAcrossBlocks() {
        int depthBlock = GemmTiles.CURRENT.depth();
        int columnBlock = GemmTiles.CURRENT.columnBlock();
        PropertyCases.check("gemm-blocks", 24, random -> {
            int form = random.nextInt(3);
            int m = random.nextBoolean() ? 110 + random.nextInt(20) : 230 + random.nextInt(20);
            int n = random.nextBoolean() ? 1 + random.nextInt(40) : columnBlock - 9 + random.nextInt(30);
            int k = random.nextBoolean() ? 1 + random.nextInt(8) : depthBlock - 2 + random.nextInt(depthBlock + 5);
            boolean accumulate = random.nextBoolean();
            int aRows = form == 1 ? k : m, aCols = form == 1 ? m : k;
            int bRows = form == 2 ? n : k, bCols = form == 2 ? k : n;
            int lda = aCols + random.nextInt(3), ldb = bCols + random.nextInt(3), ldc = n + random.nextInt(3);
            float[] a = array(random, aRows * lda, 2f);
            float[] b = array(random, bRows * ldb, 2f);
            float[] c = array(random, m * ldc, 2f);
            Both both = onBoth((kernels, out) -> multiply(kernels, form, m, n, k, a, 0, lda, b, 0, ldb, out[0], 0, ldc,
                    accumulate), c);
            assertClose("form " + form + " " + m + "x" + n + "x" + k, both.expected(0), both.actual(0),
                    8 * (k + 1) * FLOAT_EPS, 0);
        });
    }

    /**
     * At every width, every row count from MR·(MR-1) on is cut into whole MR- and (MR-1)-row tiles, at most MR - 1
     * of them small; below that only the last tile may be partial.
     */
    @Test
    void rowTilesCoverEveryRowCountWithoutPaddingAtEveryWidth() {
        for (int bits : new int[] {128, 256, 512}) {
            GemmTiles tiles = GemmTiles.forWidth(bits);
            int mr = tiles.rows(), small = tiles.smallRows();
            for (int rows = 1; rows <= 250; rows++) {
                int span = tiles.mainTileSpan(rows);
                String context = bits + " bits, " + rows + " rows, " + span + " of them in " + mr + "-row tiles";
                assertTrue(span <= rows && span >= rows - small * (mr - 1), context);
                if (rows >= mr * small) {
                    assertEquals(0, span % mr, context);
                    assertEquals(0, (rows - span) % small, context);
                    assertTrue((rows - span) / small < mr, context);
                } else {
                    assertTrue(span == rows || (rows - span) % small == 0, context);
                }
            }
        }
        GemmTiles avx2 = GemmTiles.forWidth(256);
        assertEquals(20, avx2.mainTileSpan(32), "batch 32: four tiles of five, three of four");
        assertEquals(60, avx2.mainTileSpan(64), "batch 64: twelve tiles of five, one of four");
        GemmTiles avx512 = GemmTiles.forWidth(512);
        assertEquals(12, avx512.mainTileSpan(32), "batch 32: two tiles of six, four of five");
        assertEquals(54, avx512.mainTileSpan(64), "batch 64: nine tiles of six, two of five");
    }

    /** Each width's packed panel stays within the bound core sizes its memory by. */
    @Test
    void everyWidthsTilesKeepTheirBounds() {
        for (int bits : new int[] {128, 256, 512}) {
            GemmTiles tiles = GemmTiles.forWidth(bits);
            int nr = tiles.vectors() * bits / Float.SIZE;
            assertTrue(nr <= RecurrentKernels.MAX_PANEL_WIDTH, bits + " bits: NR " + nr);
            assertTrue(tiles.rows() * tiles.vectors() + tiles.vectors() + 1 <= (bits == 512 ? 32 : 16),
                    bits + " bits: the accumulators, the panel's vectors and a broadcast fit the registers");
        }
    }

    /**
     * One row's product is the same whichever kernel computes it and however many rows share it: the GEMV, the
     * GEMM and the packed GEMM agree bit for bit on every row, on each implementation. A stream generated alone
     * and the same stream generated among many then draw the same text.
     */
    @Test
    void aRowsProductIsTheSameAloneOrAmongMany() {
        PropertyCases.check("row-independence", 200, random -> {
            int m = 1 + random.nextInt(40);
            int n = size(random, LANES) % 300 + 1;
            int k = random.nextInt(4) == 0 ? 300 + random.nextInt(400) : 1 + size(random, LANES) % 200;
            float[] a = array(random, m * k, 2f);
            float[] b = array(random, k * n, 2f);
            float[] c = array(random, m * n, 2f);
            for (RecurrentKernels kernels : new RecurrentKernels[] {Kernels.scalar(), Kernels.vector()}) {
                float[] together = c.clone();
                kernels.gemm(m, n, k, a, 0, k, b, 0, n, together, 0, n, true);
                float[] packed = new float[kernels.packedSize(k, n)];
                kernels.packB(k, n, b, 0, n, packed, 0);
                float[] togetherPacked = c.clone();
                kernels.gemmPacked(m, n, k, a, 0, k, packed, 0, togetherPacked, 0, n, true);
                assertArrayEquals(together, togetherPacked, kernels.name() + " packed " + m + "x" + n + "x" + k);
                int row = random.nextInt(m);
                float[] alone = java.util.Arrays.copyOfRange(c, row * n, row * n + n);
                kernels.gemv(k, n, a, row * k, b, 0, n, alone, 0, true);
                assertArrayEquals(java.util.Arrays.copyOfRange(together, row * n, row * n + n), alone,
                        kernels.name() + " row " + row + " of " + m + "x" + n + "x" + k);
            }
        });
    }

    /**
     * B packed once, then used by a product: as {@code gemm} on the unpacked B, on both implementations, and bit for
     * bit on the vector one, whether its {@code gemm} packs B or, for A of one row block where the width allows it,
     * reads B in place: each element is one chain of FMAs in depth order either way. The batches reach past one
     * row block, the depths past one depth block.
     */
    @Test
    void packedGemmMatchesThePlainOne() {
        PropertyCases.check("gemm-packed", 200, random -> {
            int m = switch (random.nextInt(3)) {
                case 0 -> size(random, LANES) % 40;
                case 1 -> 1 + random.nextInt(14);
                default -> 1 + random.nextInt(2 * GemmTiles.CURRENT.rowBlock());
            };
            int n = size(random, LANES) % 300;
            int k = random.nextInt(4) == 0 ? 600 + random.nextInt(700) : size(random, LANES) % 200;
            boolean accumulate = random.nextBoolean();
            int lda = k + random.nextInt(3), ldb = n + random.nextInt(3), ldc = n + random.nextInt(3);
            int aOff = random.nextInt(4), bOff = random.nextInt(4), cOff = random.nextInt(4);
            float[] a = array(random, aOff + m * lda, 2f);
            float[] b = array(random, bOff + k * ldb, 2f);
            float[] c = array(random, cOff + m * ldc, 2f);
            int packedOff = random.nextInt(4);
            Both packed = onBoth((kernels, out) -> {
                float[] panels = new float[packedOff + kernels.packedSize(k, n)];
                kernels.packB(k, n, b, bOff, ldb, panels, packedOff);
                kernels.gemmPacked(m, n, k, a, aOff, lda, panels, packedOff, out[0], cOff, ldc, accumulate);
            }, c);
            Both plain = onBoth((kernels, out) -> kernels.gemm(m, n, k, a, aOff, lda, b, bOff, ldb, out[0], cOff, ldc,
                    accumulate), c);
            String shape = m + "x" + n + "x" + k;
            assertArrayEquals(plain.expected(0), packed.expected(0), "the scalar twin packs nothing: " + shape);
            assertArrayEquals(plain.actual(0), packed.actual(0), "vector packed vs vector plain " + shape);
            assertClose("vector packed vs scalar " + shape, packed.expected(0), packed.actual(0),
                    8 * (k + 1) * FLOAT_EPS, 0);
        });
    }

    /**
     * A B stored as its transpose packs into the floats its transposed rows pack into, padding included, on both
     * implementations: the reverse sweep packs {@code W_hᵀ} from {@code W_h} in place this way.
     */
    @Test
    void aTransposedBPacksAsItsRows() {
        PropertyCases.check("pack-transposed", 200, random -> {
            int n = 1 + size(random, LANES) % 300;
            int k = random.nextInt(4) == 0 ? 600 + random.nextInt(700) : 1 + size(random, LANES) % 200;
            int ldt = k + random.nextInt(3), off = random.nextInt(4);
            float[] stored = array(random, off + n * ldt, 2f);
            float[] rows = transposedOut(stored, off, ldt, k, n);
            for (RecurrentKernels kernels : new RecurrentKernels[] {Kernels.scalar(), Kernels.vector()}) {
                float[] expected = new float[kernels.packedSize(k, n)];
                float[] actual = new float[expected.length];
                java.util.Arrays.fill(expected, Float.NaN);
                java.util.Arrays.fill(actual, -1f);
                kernels.packB(k, n, rows, 0, n, expected, 0);
                kernels.packBTransposed(k, n, stored, off, ldt, actual, 0);
                assertArrayEquals(expected, actual, kernels.name() + " " + k + "x" + n);
            }
        });
    }

    /**
     * A last panel whose columns fit in one vector computes only that vector; its columns come out bit for bit as
     * they do inside a whole panel, in all three forms, across depth blocks and partial row tiles.
     */
    @Test
    void aColumnIsTheSameInANarrowLastPanelAsInAWholeOne() {
        int panel = GemmPacking.NR;
        PropertyCases.check("gemm-narrow-panel", 80, random -> {
            int form = random.nextInt(3);
            int m = 1 + random.nextInt(40);
            int k = 1 + random.nextInt(2 * GemmTiles.CURRENT.depth() + 20);
            int n = panel * random.nextInt(3) + 1 + random.nextInt(LANES);
            int wide = (n / panel + 1) * panel;
            boolean accumulate = random.nextBoolean();
            int aRows = form == 1 ? k : m, aCols = form == 1 ? m : k;
            int ldb = form == 2 ? k : wide;
            float[] a = array(random, aRows * aCols, 2f);
            float[] b = array(random, (form == 2 ? wide : k) * ldb, 2f);
            float[] c = array(random, m * wide, 2f);
            float[] narrowC = c.clone();
            float[] wideC = c.clone();
            multiply(VECTOR, form, m, n, k, a, 0, aCols, b, 0, ldb, narrowC, 0, wide, accumulate);
            multiply(VECTOR, form, m, wide, k, a, 0, aCols, b, 0, ldb, wideC, 0, wide, accumulate);
            for (int i = 0; i < m; i++) {
                assertArrayEquals(java.util.Arrays.copyOfRange(wideC, i * wide, i * wide + n),
                        java.util.Arrays.copyOfRange(narrowC, i * wide, i * wide + n),
                        "form " + form + ", row " + i + " of " + m + "x" + n + "x" + k);
                assertArrayEquals(java.util.Arrays.copyOfRange(c, i * wide + n, i * wide + wide),
                        java.util.Arrays.copyOfRange(narrowC, i * wide + n, i * wide + wide),
                        "columns past n are left alone: form " + form + ", row " + i);
            }
        });
    }

    /**
     * A transposed A (a weight gradient's {@code hᵀ}) gives the bits of the same product over its rows copied out:
     * each element is one chain of FMAs in depth order whether the engine reads A in place or from a copy. The
     * shapes take the in-place path (rows in whole main tiles, columns in whole panels, as a recurrent weights'
     * gradient has) and the copy beside it (any other rows and columns), across depth and row blocks.
     */
    @Test
    void aTransposedAIsReadAsItsRows() {
        GemmTiles tiles = GemmTiles.CURRENT;
        int panel = tiles.vectors() * LANES;
        PropertyCases.check("gemm-transposed-a", 60, random -> {
            int m = random.nextBoolean() ? tiles.rows() * (1 + random.nextInt(50)) : 1 + random.nextInt(300);
            int n = random.nextBoolean() ? panel * (1 + random.nextInt(8)) : 1 + random.nextInt(300);
            int k = 1 + random.nextInt(2 * tiles.depth() + 20);
            int lda = m + random.nextInt(3);
            int aOff = random.nextInt(4);
            boolean accumulate = random.nextBoolean();
            float[] stored = array(random, aOff + k * lda, 2f);
            float[] rows = transposedOut(stored, aOff, lda, m, k);
            float[] b = array(random, k * n, 2f);
            float[] c = array(random, m * n, 2f);
            float[] fromRows = c.clone();
            float[] inPlace = c.clone();
            VECTOR.gemm(m, n, k, rows, 0, k, b, 0, n, fromRows, 0, n, accumulate);
            VECTOR.gemmTransA(m, n, k, stored, aOff, lda, b, 0, n, inPlace, 0, n, accumulate);
            assertArrayEquals(fromRows, inPlace, m + "x" + n + "x" + k + ", lda " + lda);
        });
    }

    /**
     * A transposed B (the input gradient's {@code W}, stored {@code [n x k]}) gives the bits of the same product
     * over B transposed into rows, on both implementations: the packed panels hold the same floats either way, so
     * the backward pass multiplies by W in place instead of by a transposed copy.
     */
    @Test
    void aTransposedBIsReadAsItsRows() {
        PropertyCases.check("gemm-transposed-b", 100, random -> {
            int m = 1 + random.nextInt(random.nextBoolean() ? 40 : 300);
            int n = 1 + size(random, LANES) % 300;
            int k = 1 + random.nextInt(2 * GemmTiles.CURRENT.depth() + 20);
            int ldb = k + random.nextInt(3), bOff = random.nextInt(4);
            boolean accumulate = random.nextBoolean();
            float[] a = array(random, m * k, 2f);
            float[] stored = array(random, bOff + n * ldb, 2f);
            float[] rows = transposedOut(stored, bOff, ldb, k, n);
            float[] c = array(random, m * n, 2f);
            for (RecurrentKernels kernels : new RecurrentKernels[] {Kernels.scalar(), Kernels.vector()}) {
                float[] fromRows = c.clone();
                float[] inPlace = c.clone();
                kernels.gemm(m, n, k, a, 0, k, rows, 0, n, fromRows, 0, n, accumulate);
                kernels.gemmTransB(m, n, k, a, 0, k, stored, bOff, ldb, inPlace, 0, n, accumulate);
                assertArrayEquals(fromRows, inPlace, kernels.name() + " " + m + "x" + n + "x" + k + ", ldb " + ldb);
            }
        });
    }

    /**
     * The {@code rows x cols} matrix stored transposed at {@code stored[off]}, element (i, j) at
     * {@code off + j·ld + i}, copied out into rows element by element: the tests' own oracle for a transposed
     * operand, independent of the kernels' transposition.
     */
    private static float[] transposedOut(float[] stored, int off, int ld, int rows, int cols) {
        float[] out = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = stored[off + j * ld + i];
            }
        }
        return out;
    }

    static void multiply(RecurrentKernels kernels, int form, int m, int n, int k, float[] a, int aOff, int lda,
                         float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        switch (form) {
            case 0 -> kernels.gemm(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            case 1 -> kernels.gemmTransA(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            default -> kernels.gemmTransB(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        }
    }

    @Test
    void gemvAndItsTransposeMatch() {
        PropertyCases.check("gemv", 300, random -> {
            int k = size(random, LANES) % 600;
            int n = size(random, LANES) % 600;
            int ldw = n + random.nextInt(3);
            int wOff = random.nextInt(4), xOff = random.nextInt(4), yOff = random.nextInt(4);
            boolean accumulate = random.nextBoolean();
            float[] w = array(random, wOff + k * ldw, 2f);
            boolean transposed = random.nextBoolean();
            float[] x = array(random, xOff + (transposed ? n : k), 2f);
            float[] y = array(random, yOff + (transposed ? k : n), 2f);
            Both both = onBoth((kernels, out) -> {
                if (transposed) {
                    kernels.gemvTransposed(k, n, w, wOff, ldw, x, xOff, out[0], yOff, accumulate);
                } else {
                    kernels.gemv(k, n, x, xOff, w, wOff, ldw, out[0], yOff, accumulate);
                }
            }, y);
            int depth = transposed ? n : k;
            assertClose((transposed ? "W·v " : "x·W ") + k + "x" + n, both.expected(0), both.actual(0),
                    8 * (depth + 1) * FLOAT_EPS, 0);
        });
    }

    /**
     * W·v sweeps W's rows the other way on every call of a thread (for the cache); two calls in a row, one each way,
     * give the same bits, whatever the rows' count modulo the tile.
     */
    @Test
    void theTransposedGemvGivesTheSameBitsInEitherSweep() {
        PropertyCases.check("gemv-sweeps", 100, random -> {
            int k = 1 + random.nextInt(70);
            int n = size(random, LANES) % 300;
            int ldw = n + random.nextInt(3);
            boolean accumulate = random.nextBoolean();
            float[] w = array(random, k * ldw, 2f);
            float[] v = array(random, n, 2f);
            float[] start = array(random, k, 2f);
            float[] once = start.clone();
            float[] again = start.clone();
            VECTOR.gemvTransposed(k, n, w, 0, ldw, v, 0, once, 0, accumulate);
            VECTOR.gemvTransposed(k, n, w, 0, ldw, v, 0, again, 0, accumulate);
            assertArrayEquals(once, again, "W·v " + k + "x" + n + " swept both ways");
        });
    }

    @Test
    void axpyMatches() {
        PropertyCases.check("axpy", 200, random -> {
            int n = size(random, LANES);
            int xOff = random.nextInt(4), yOff = random.nextInt(4);
            float alpha = (float) random.nextDouble(-3, 3);
            float[] x = array(random, xOff + n, 5f);
            float[] y = array(random, yOff + n, 5f);
            Both both = onBoth((kernels, out) -> kernels.axpy(n, alpha, x, xOff, out[0], yOff), y);
            // FMA rounds once where the scalar loop rounds twice.
            assertClose("axpy n=" + n, both.expected(0), both.actual(0), 2e-6, 2e-7);
        });
    }

    /** Row by row, each add rounding once on both paths: the sums agree exactly and equal a double sum closely. */
    @Test
    void sumRowsMatchesExactly() {
        PropertyCases.check("sum-rows", 200, random -> {
            int count = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(40);
            int width = size(random, LANES) % 300;
            int stride = width + random.nextInt(4), from = random.nextInt(4), targetOff = random.nextInt(4);
            float[] rows = array(random, from + count * stride, 3f);
            Both both = onBoth((kernels, out) -> kernels.sumRows(count, width, rows, from, stride, out[0], targetOff),
                    array(random, targetOff + width + 2, 9f));
            assertArrayEquals(both.expected(0), both.actual(0), "sumRows " + count + "x" + width);
            for (int j = 0; j < width; j++) {
                double sum = 0;
                for (int r = 0; r < count; r++) {
                    sum += rows[from + r * stride + j];
                }
                assertEquals(sum, both.expected(0)[targetOff + j], 1e-5 * (count + 1) * 3, "column " + j);
            }
        });
    }

    /** A transpose only moves values: both paths write exactly {@code source[r][c]} at {@code [c][r]}. */
    @Test
    void transposeMovesEveryValue() {
        PropertyCases.check("transpose", 200, random -> {
            int rows = size(random, LANES) % 150, cols = size(random, LANES) % 150;
            int from = random.nextInt(4), targetOff = random.nextInt(4);
            float[] source = array(random, from + rows * cols, 5f);
            Both both = onBoth((kernels, out) -> kernels.transpose(rows, cols, source, from, out[0], targetOff),
                    new float[targetOff + rows * cols + 1]);
            for (float[] transposed : new float[][] {both.expected(0), both.actual(0)}) {
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        assertEquals(source[from + r * cols + c], transposed[targetOff + c * rows + r],
                                rows + "x" + cols + " at " + r + "," + c);
                    }
                }
                assertEquals(0f, transposed[targetOff + rows * cols], "nothing written past the transpose");
            }
        });
    }

    /** Core sizes memory before it builds kernels from this bound; every width's packing must keep it. */
    @Test
    void packingStaysWithinTheDeclaredPanelWidth() {
        PropertyCases.check("packed-size", 200, random -> {
            int k = 1 + random.nextInt(300), n = 1 + random.nextInt(1100);
            long bound = (long) k * (n + RecurrentKernels.MAX_PANEL_WIDTH);
            assertTrue(Kernels.vector().packedSize(k, n) <= bound, "packedSize(" + k + ", " + n + ") > " + bound);
            assertTrue(Kernels.scalar().packedSize(k, n) <= bound, "scalar packedSize(" + k + ", " + n + ")");
        });
    }

    /** A product rounds once either way, so the two must agree exactly, in place included. */
    @Test
    void multiplyMatchesExactly() {
        PropertyCases.check("multiply", 200, random -> {
            int n = size(random, LANES);
            int aOff = random.nextInt(4), bOff = random.nextInt(4), yOff = random.nextInt(4);
            float[] a = array(random, aOff + n, 5f);
            float[] b = array(random, bOff + n, 5f);
            boolean inPlace = random.nextBoolean();
            int outOff = inPlace ? aOff : yOff;
            Both both = onBoth((kernels, out) -> kernels.multiply(n, inPlace ? out[0] : a, aOff, b, bOff, out[0],
                    outOff), inPlace ? a : new float[yOff + n + 2]);
            assertArrayEquals(both.expected(0), both.actual(0), "multiply n=" + n + (inPlace ? " in place" : ""));
            for (int i = 0; i < n; i++) {
                assertEquals(a[aOff + i] * b[bOff + i], both.expected(0)[outOff + i], "scalar product at " + i);
            }
        });
    }

    /**
     * Masks are the same bits from both, and both continue the generator where {@code n} single draws leave it.
     * Sizes hit every tail of the long lanes as well as the float lanes; the rates include 0, halves and quarters
     * (where {@code p·2^53} is a whole number, the edge of the integer compare) and the float just below 1.
     */
    @Test
    void dropoutMasksMatchExactly() {
        float[] rates = {0f, 0.5f, 0.25f, 0.2f, Math.nextDown(1f)};
        PropertyCases.check("dropoutMask", 200, random -> {
            int n = size(random, LANES);
            int off = random.nextInt(4);
            float rate = random.nextBoolean() ? rates[random.nextInt(rates.length)] : (float) random.nextDouble();
            long state = random.nextLong();
            long[] after = new long[2];
            Both both = onBoth((kernels, out) -> after[kernels == SCALAR ? 0 : 1] = kernels.dropoutMask(n, rate,
                    state, out[0], off), array(random, off + n + 3, 1f));
            String context = "dropoutMask n=" + n + " rate=" + rate;
            assertArrayEquals(both.expected(0), both.actual(0), context);
            assertEquals(state + n * SplitMix64.GAMMA, after[0], context + ": scalar state after");
            assertEquals(after[0], after[1], context + ": vector state after");
        });
    }

    /** Inputs from every regime: ordinary, saturating, huge, tiny, signed zeros and NaN. */
    static float[] activationInputs(SplittableRandom random, int length) {
        float[] x = new float[length];
        float[] specials = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
                -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE, 20f, -20f, 88.7f, -88.7f, 1e-20f, -104f};
        for (int i = 0; i < length; i++) {
            x[i] = switch (random.nextInt(6)) {
                case 0 -> specials[random.nextInt(specials.length)];
                case 1 -> Float.intBitsToFloat(random.nextInt()); // anywhere in the float range, NaNs included
                case 2 -> (float) random.nextDouble(-40, 40);
                default -> (float) random.nextDouble(-5, 5);
            };
        }
        return x;
    }

    @Test
    void activationsMatchInAndOutOfPlace() {
        PropertyCases.check("activations", 300, random -> {
            int n = size(random, LANES);
            int xOff = random.nextInt(4);
            float[] x = activationInputs(random, xOff + n + 2);
            boolean sigmoid = random.nextBoolean();
            boolean inPlace = random.nextBoolean();
            int yOff = inPlace ? xOff : random.nextInt(3);
            Both both = onBoth((kernels, out) -> {
                float[] in = inPlace ? out[0] : x;
                if (sigmoid) {
                    kernels.sigmoid(n, in, xOff, out[0], yOff);
                } else {
                    kernels.tanh(n, in, xOff, out[0], yOff);
                }
            }, inPlace ? x : new float[x.length]);
            for (int i = 0; i < n; i++) {
                assertClose((sigmoid ? "sigmoid(" : "tanh(") + x[xOff + i] + ")", both.expected(0)[yOff + i],
                        both.actual(0)[yOff + i], 2 * RecurrentKernels.ACTIVATION_ABSOLUTE_ERROR, 0);
            }
        });
    }

    @Test
    void derivativesFromOutputsMatch() {
        PropertyCases.check("derivatives", 200, random -> {
            int n = size(random, LANES);
            float[] y = array(random, n, 1f);
            boolean sigmoid = random.nextBoolean();
            Both both = onBoth((kernels, out) -> {
                if (sigmoid) {
                    kernels.sigmoidDerivative(n, y, 0, out[0], 0);
                } else {
                    kernels.tanhDerivative(n, y, 0, out[0], 0);
                }
            }, new float[n]);
            assertClose(sigmoid ? "σ'" : "tanh'", both.expected(0), both.actual(0), 2 * FLOAT_EPS, 0);
        });
    }

    @Test
    void fusedCellForwardAndBackwardMatch() {
        PropertyCases.check("cell", 200, random -> {
            int hidden = positiveSize(random, LANES);
            int off = random.nextInt(4);
            float[] z = array(random, off + 4 * hidden, 6f);
            float[] cPrev = array(random, off + hidden, 3f);
            Both forward = onBoth((kernels, out) -> kernels.lstmCellForward(hidden, out[0], off, cPrev, off, out[1],
                    off, out[2], off, out[3], off), z, new float[off + hidden], new float[off + hidden],
                    new float[off + hidden]);
            String[] names = {"gates", "c", "tanh(c)", "h"};
            forward.assertAllClose(names, " H=" + hidden, 4 * RecurrentKernels.ACTIVATION_ABSOLUTE_ERROR, 1e-6);

            float[] gates = forward.expected(0);
            float[] squashed = forward.expected(2);
            float[] dh = array(random, off + hidden, 1f);
            float[] dcNext = array(random, off + hidden, 1f);
            // In place: dcPrev overwrites dcNext.
            Both backward = onBoth((kernels, out) -> kernels.lstmCellBackward(hidden, gates, off, cPrev, off,
                    squashed, off, dh, off, out[1], off, out[0], off, out[1], off), new float[off + 4 * hidden], dcNext);
            backward.assertAllClose(new String[] {"dz", "dcPrev"}, " H=" + hidden, 1e-6, 1e-5);
        });
    }

    @Test
    void fusedGruCellForwardAndBackwardMatch() {
        PropertyCases.check("gru-cell", 200, random -> {
            int hidden = positiveSize(random, LANES);
            int off = random.nextInt(4);
            float[] hPrev = array(random, off + hidden, 1f);
            float[] bias = array(random, off + hidden, 1f);
            Both forward = onBoth((kernels, out) -> kernels.gruCellForward(hidden, out[0], off, out[1], off, bias, off,
                    hPrev, off, out[2], off), array(random, off + 3 * hidden, 6f), array(random, off + 3 * hidden, 6f),
                    new float[off + hidden]);
            String[] names = {"gates", "recurrent", "h"};
            forward.assertAllClose(names, " H=" + hidden, 4 * RecurrentKernels.ACTIVATION_ABSOLUTE_ERROR, 1e-6);

            float[] gates = forward.expected(0);
            float[] recurrent = forward.expected(1);
            // In place: dhPrev overwrites dh.
            Both backward = onBoth((kernels, out) -> kernels.gruCellBackward(hidden, gates, off, recurrent, off, hPrev,
                    off, out[2], off, out[0], off, out[1], off, out[2], off), new float[off + 3 * hidden],
                    new float[off + 3 * hidden], array(random, off + hidden, 1f));
            String[] gradients = {"dGates", "dRecurrent", "dhPrev"};
            backward.assertAllClose(gradients, " H=" + hidden, 1e-6, 1e-5);
        });
    }

    /** The RNN cell: forward within the activation bound, backward exactly (the same roundings), in place too. */
    @Test
    void fusedRnnCellForwardAndBackwardMatch() {
        PropertyCases.check("rnn-cell", 200, random -> {
            int hidden = positiveSize(random, LANES);
            int off = random.nextInt(4);
            float[] z = array(random, off + hidden, 6f);
            Both forward = onBoth((kernels, out) -> kernels.rnnCellForward(hidden, z, off, out[0], off),
                    new float[off + hidden]);
            forward.assertAllClose(new String[] {"h"}, " H=" + hidden, RecurrentKernels.ACTIVATION_ABSOLUTE_ERROR, 0);
            float[] h = forward.expected(0);
            boolean inPlace = random.nextBoolean();
            float[] dh = array(random, off + hidden, 2f);
            Both backward = onBoth((kernels, out) -> kernels.rnnCellBackward(hidden, h, off, inPlace ? out[0] : dh,
                    off, out[0], off), inPlace ? dh : new float[off + hidden]);
            assertArrayEquals(backward.expected(0), backward.actual(0), "dz H=" + hidden);
            for (int j = 0; j < hidden; j++) {
                double exact = dh[off + j] * (1 - (double) h[off + j] * h[off + j]);
                assertClose("dz[" + j + "]", exact, backward.expected(0)[off + j], 1e-6, 1e-6);
            }
        });
    }

    @Test
    void softmaxCrossEntropyMatches() {
        PropertyCases.check("softmax-cross-entropy", 300, random -> {
            int n = positiveSize(random, LANES);
            float range = new float[] {1f, 30f, 1e4f}[random.nextInt(3)];
            int off = random.nextInt(4);
            float[] logits = array(random, off + n, range);
            int target = random.nextInt(n);
            float scale = (float) random.nextDouble(0.01, 1);
            // The loss travels in a one-element output beside the gradients.
            Both loss = onBoth((kernels, out) -> out[1][0] = kernels.softmaxCrossEntropy(n, logits, off, target, scale,
                    out[0], off), new float[logits.length], new float[1]);
            assertClose("loss n=" + n, loss.expected(1)[0], loss.actual(1)[0], 1e-5, 1e-5);
            assertClose("dlogits n=" + n, loss.expected(0), loss.actual(0), 1e-6, 1e-5);
            float temperature = (float) random.nextDouble(0.05, 4);
            Both softmax = onBoth((kernels, out) -> kernels.softmax(n, logits, off, temperature, out[0], off),
                    new float[logits.length]);
            assertClose("softmax n=" + n + " temperature " + temperature, softmax.expected(0), softmax.actual(0),
                    1e-6, 1e-5);
        });
    }

    @Test
    void optimizerStepsMatch() {
        PropertyCases.check("optimizers", 200, random -> {
            int n = size(random, LANES);
            int kind = random.nextInt(4);
            float[] params = array(random, n, 1f);
            float[][] grads = new float[5][];
            for (int step = 0; step < grads.length; step++) {
                grads[step] = array(random, n, 1f);
            }
            Both both = onBoth((kernels, out) -> {
                for (int step = 1; step <= grads.length; step++) {
                    update(kernels, kind, n, out[0], grads[step - 1], new float[][] {out[1], out[2]}, step);
                }
            }, params, new float[n], new float[n]);
            assertClose("optimizer " + kind + " n=" + n, both.expected(0), both.actual(0), 1e-6, 1e-5);
        });
    }

    static void update(RecurrentKernels kernels, int kind, int n, float[] params, float[] grads, float[][] state, int step) {
        switch (kind) {
            case 0 -> kernels.sgd(n, params, 0, grads, 0, state[0], 0, 0.1f, 0.9f);
            case 1 -> kernels.rmsprop(n, params, 0, grads, 0, state[0], 0, 0.01f, 0.95f, 1e-8f);
            case 2 -> kernels.adam(n, params, 0, grads, 0, state[0], 0, state[1], 0, 0.01f, 0.9f, 0.999f, 1e-8f, 0f, step);
            default -> kernels.adam(n, params, 0, grads, 0, state[0], 0, state[1], 0, 0.01f, 0.9f, 0.999f, 1e-8f, 0.1f, step);
        }
    }

    @Test
    void clippingKernelsMatch() {
        PropertyCases.check("clipping", 200, random -> {
            int n = size(random, LANES);
            int off = random.nextInt(4);
            float[] x = array(random, off + n, 10f);
            Both sum = onBoth((kernels, out) -> out[0][0] = kernels.sumOfSquares(n, x, off), new float[1]);
            // The design's contract for reductions: within 1e-5·n relative of the scalar twin.
            assertClose("sumOfSquares n=" + n, sum.expected(0)[0], sum.actual(0)[0], 0, 1e-5 * Math.max(1, n));
            float alpha = (float) random.nextDouble(-2, 2);
            Both scaled = onBoth((kernels, out) -> kernels.scale(n, alpha, out[0], off), x);
            assertArrayEquals(scaled.expected(0), scaled.actual(0), "scale is one rounding either way");
            Both clamped = onBoth((kernels, out) -> kernels.clamp(n, -5f, 5f, out[0], off), x);
            assertArrayEquals(clamped.expected(0), clamped.actual(0));
        });
    }

    @Test
    void nanPropagatesThroughActivationsClampAndNorm() {
        int n = 4 * LANES + 3;
        for (int at : new int[] {0, LANES - 1, 3 * LANES, n - 1}) {
            float[] x = new float[n];
            x[at] = Float.NaN;
            float[] y = new float[n];
            VECTOR.sigmoid(n, x, 0, y, 0);
            assertTrue(Float.isNaN(y[at]), "sigmoid of NaN at " + at);
            VECTOR.tanh(n, x, 0, y, 0);
            assertTrue(Float.isNaN(y[at]), "tanh of NaN at " + at);
            assertTrue(Float.isNaN(VECTOR.sumOfSquares(n, x, 0)), "sum of squares with NaN at " + at);
            VECTOR.clamp(n, -1f, 1f, x, 0);
            assertTrue(Float.isNaN(x[at]), "clamp of NaN at " + at);
        }
    }
}
