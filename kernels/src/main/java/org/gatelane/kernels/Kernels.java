package org.gatelane.kernels;

/**
 * The front door: hands out kernels that check every argument once, then run the chosen implementation.
 *
 * <p>{@link #preferred()} is chosen once per JVM: the vector kernels where {@code jdk.incubator.vector} is in the
 * boot layer and C2 is on, otherwise the scalar ones with one WARNING naming the fix. Override with
 * {@code -Dgatelane.kernels=scalar|vector}; narrow the vector width with {@code -Dgatelane.vectorBits=128|256|512}.
 */
public final class Kernels {

    private static final class Preferred {
        static final LstmKernels INSTANCE = new CheckedKernels(KernelProvider.choose());
    }

    private Kernels() {
    }

    /** The implementation this JVM should use, behind argument checks. */
    public static LstmKernels preferred() {
        return Preferred.INSTANCE;
    }

    /** The scalar reference implementation, behind argument checks. */
    public static LstmKernels scalar() {
        return new CheckedKernels(new ScalarKernels());
    }

    /**
     * The vector implementation, behind argument checks.
     *
     * @throws IllegalStateException if {@code jdk.incubator.vector} is not in the boot layer
     */
    public static LstmKernels vector() {
        return new CheckedKernels(KernelProvider.loadVector());
    }

    /** Whether {@link #vector()} can load, that is whether {@code jdk.incubator.vector} is in the boot layer. */
    public static boolean vectorAvailable() {
        return KernelProvider.vectorModulePresent();
    }
}
