package org.gatelane.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The front door picks the vector kernels when it can and rejects bad shapes with a message that says why. */
class FrontDoorTest {

    private final RecurrentKernels kernels = Kernels.preferred();

    @Test
    void choosesTheVectorKernelsWhenTheModuleIsPresent() {
        // Surefire starts this JVM with --add-modules jdk.incubator.vector and C2 on.
        assertTrue(Kernels.vectorAvailable());
        assertEquals("vector-" + VectorKernels.speciesBits(), kernels.name());
        assertEquals("scalar", Kernels.scalar().name());
    }

    @Test
    void gemmNamesTheMatrixThatIsTooSmall() {
        float[] a = new float[6], b = new float[12], c = new float[7];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> kernels.gemm(2, 4, 3, a, 0, 3, b, 0, 4, c, 0, 4, false));
        assertEquals("C: needs 2 x 4 (leading dimension 4) from offset 0, that is 8 elements, but the array holds 7",
                e.getMessage());
    }

    @Test
    void gemmRejectsALeadingDimensionNarrowerThanTheRow() {
        float[] a = new float[100];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> kernels.gemmTransB(2, 3, 4, a, 0, 4, a, 0, 3, a, 0, 3, false));
        assertEquals("B: needs a leading dimension >= 4 columns but was 3", e.getMessage());
    }

    @Test
    void aTransposedBIsCheckedInTheShapeItIsStoredIn() {
        float[] stored = new float[4 * 3 - 1], packed = new float[kernels.packedSize(3, 4)];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> kernels.packBTransposed(3, 4, stored, 0, 3, packed, 0));
        assertEquals("B: needs 4 x 3 (leading dimension 3) from offset 0, that is 12 elements, but the array holds 11",
                e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> kernels.packBTransposed(3, 4, new float[12], 0, 3, packed, 1), "packed from offset 1");
    }

    @Test
    void cellChecksTheFourGateBlocks() {
        float[] z = new float[4 * 8 - 1], h = new float[8];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> kernels.lstmCellForward(8, z, 0, h, 0, h, 0, h, 0, h, 0));
        assertEquals("z: needs 32 elements from offset 0 but the array holds 31", e.getMessage());
    }

    @Test
    void rejectsNegativeSizesOffsetsAndBadTargets() {
        float[] x = new float[10];
        assertEquals("n: needs a size >= 0 but was -1",
                assertThrows(IllegalArgumentException.class, () -> kernels.gemm(1, -1, 1, x, 0, 1, x, 0, 1, x, 0, 1, false))
                        .getMessage());
        assertEquals("x: needs 5 elements from offset 6 but the array holds 10",
                assertThrows(IllegalArgumentException.class, () -> kernels.sigmoid(5, x, 6, x, 0)).getMessage());
        assertEquals("target: needs a class in [0, 10) but was 10",
                assertThrows(IllegalArgumentException.class,
                        () -> kernels.softmaxCrossEntropy(10, x, 0, 10, 1f, x, 0)).getMessage());
        for (float temperature : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
            assertEquals("temperature: needs a finite value > 0 but was " + temperature,
                    assertThrows(IllegalArgumentException.class,
                            () -> kernels.softmax(10, x, 0, temperature, x, 0)).getMessage());
        }
        assertEquals("step: needs the 1-based Adam step number but was 0",
                assertThrows(IllegalArgumentException.class,
                        () -> kernels.adam(1, x, 0, x, 1, x, 2, x, 3, 0.1f, 0.9f, 0.99f, 1e-8f, 0f, 0)).getMessage());
    }

    @Test
    void theKernelsPropertyForcesAChoice() {
        String saved = System.getProperty(KernelProvider.PROPERTY);
        try {
            System.setProperty(KernelProvider.PROPERTY, "scalar");
            assertEquals("scalar", KernelProvider.choose().name());
            System.setProperty(KernelProvider.PROPERTY, "Vector");
            assertEquals("vector-" + VectorKernels.speciesBits(), KernelProvider.choose().name());
            System.setProperty(KernelProvider.PROPERTY, "gpu");
            assertEquals("-Dgatelane.kernels=gpu is not a kernel choice; use scalar or vector",
                    assertThrows(IllegalArgumentException.class, KernelProvider::choose).getMessage());
        } finally {
            if (saved == null) {
                System.clearProperty(KernelProvider.PROPERTY);
            } else {
                System.setProperty(KernelProvider.PROPERTY, saved);
            }
        }
    }

    @Test
    void rejectsAnUnknownVectorWidth() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VectorWidth.parseBits("384"));
        assertEquals("-Dgatelane.vectorBits=384 is not a vector width; use 128, 256 or 512", e.getMessage());
    }
}
