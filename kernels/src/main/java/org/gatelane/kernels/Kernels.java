package org.gatelane.kernels;

/**
 * The front door: hands out kernels that check every argument once, then run the chosen implementation.
 *
 * <p>{@link #preferred()} is chosen once per JVM: the vector kernels where {@code jdk.incubator.vector} is in the
 * boot layer and C2 is on, otherwise the scalar ones with one WARNING naming the fix. Override with
 * {@code -Dgatelane.kernels=scalar|vector}; narrow the vector width with {@code -Dgatelane.vectorBits=128|256|512}.
 */
public final class Kernels {

    /** Chosen once; a bad system property is kept as the reason, so every call reports it, not only the first. */
    private static final class Preferred {
        static final RecurrentKernels INSTANCE;
        static final IllegalArgumentException REFUSAL;

        static {
            RecurrentKernels chosen = null;
            IllegalArgumentException refusal = null;
            try {
                chosen = new CheckedKernels(KernelProvider.choose());
            } catch (IllegalArgumentException e) {
                refusal = e;
            }
            INSTANCE = chosen;
            REFUSAL = refusal;
        }
    }

    private Kernels() {
    }

    /**
     * The implementation this JVM should use, behind argument checks.
     *
     * @throws IllegalArgumentException if {@code -Dgatelane.kernels} or {@code -Dgatelane.vectorBits} asks for
     *                                  something that does not exist or this CPU lacks; the message says which
     */
    public static RecurrentKernels preferred() {
        if (Preferred.REFUSAL != null) {
            throw new IllegalArgumentException(Preferred.REFUSAL.getMessage(), Preferred.REFUSAL);
        }
        return Preferred.INSTANCE;
    }

    /** The scalar reference implementation, behind argument checks. */
    public static RecurrentKernels scalar() {
        return new CheckedKernels(new ScalarKernels());
    }

    /**
     * The vector implementation, behind argument checks.
     *
     * @throws IllegalStateException if {@code jdk.incubator.vector} is not in the boot layer
     */
    public static RecurrentKernels vector() {
        return new CheckedKernels(KernelProvider.loadVector());
    }

    /**
     * The width in bits of the vector kernels' species, as {@link #vector()} would run them.
     *
     * @throws IllegalStateException if {@code jdk.incubator.vector} is not in the boot layer
     */
    public static int vectorBits() {
        return KernelProvider.loadVector().vectorBits();
    }

    /** Whether {@link #vector()} can load, that is whether {@code jdk.incubator.vector} is in the boot layer. */
    public static boolean vectorAvailable() {
        return KernelProvider.vectorModulePresent();
    }
}
