package org.gatelane.kernels;

import java.lang.management.ManagementFactory;
import java.util.Locale;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * Chooses the kernels once per JVM, Lucene-style: the vector class is loaded only after checking that
 * {@code jdk.incubator.vector} is in the boot layer and that C2 will compile it (interpreted or C1-compiled
 * Vector API code is far slower than plain loops). Otherwise one WARNING names the fix and the scalar twin
 * runs. {@code -Dgatelane.kernels=scalar|vector} forces a choice.
 */
final class KernelProvider {

    static final String PROPERTY = "gatelane.kernels";
    static final String FIX = "start java with --add-modules jdk.incubator.vector";

    private static final System.Logger LOG = System.getLogger(KernelProvider.class.getName());

    private KernelProvider() {
    }

    static RecurrentKernels choose() {
        String forced = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        switch (forced) {
            case "scalar":
                return new ScalarKernels();
            case "vector":
                return loadVector();
            case "":
                break;
            default:
                throw new IllegalArgumentException(
                        "-D" + PROPERTY + "=" + forced + " is not a kernel choice; use scalar or vector");
        }
        if (!vectorModulePresent()) {
            LOG.log(System.Logger.Level.WARNING, "Gatelane runs its scalar kernels because the Vector API is "
                    + "not available; " + FIX + " for the vector kernels");
            return new ScalarKernels();
        }
        if (!c2Enabled()) {
            LOG.log(System.Logger.Level.WARNING, "Gatelane runs its scalar kernels because the C2 compiler is "
                    + "off (-Xint or -XX:TieredStopAtLevel below 4); remove that option for the vector kernels");
            return new ScalarKernels();
        }
        RecurrentKernels vector = loadVector();
        LOG.log(System.Logger.Level.DEBUG, "Gatelane kernels: {0}", vector.name());
        return vector;
    }

    /** Loads {@link VectorKernels} reflectively so this class never links against the incubator module. */
    static RecurrentKernels loadVector() {
        if (!vectorModulePresent()) {
            throw new IllegalStateException("The vector kernels need the jdk.incubator.vector module; " + FIX);
        }
        try {
            return (RecurrentKernels) Class.forName("org.gatelane.kernels.VectorKernels")
                    .getDeclaredConstructor().newInstance();
        } catch (ExceptionInInitializerError e) {
            // The species is chosen when the class initialises; a bad -Dgatelane.vectorBits surfaces here.
            if (e.getCause() instanceof IllegalArgumentException refused) {
                throw new IllegalArgumentException(refused.getMessage(), refused);
            }
            throw e;
        } catch (NoClassDefFoundError e) {
            // A second attempt after a refused width: the class stays unusable, the reason is the property.
            throw new IllegalArgumentException("the vector kernels could not initialise; check -D"
                    + VectorWidth.PROPERTY + " (" + System.getProperty(VectorWidth.PROPERTY) + ")", e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot load the vector kernels: " + e, e);
        }
    }

    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    private static boolean c2Enabled() {
        try {
            HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            boolean compiles = Boolean.parseBoolean(hotSpot.getVMOption("UseCompiler").getValue());
            boolean tiered = Boolean.parseBoolean(hotSpot.getVMOption("TieredCompilation").getValue());
            int stopLevel = Integer.parseInt(hotSpot.getVMOption("TieredStopAtLevel").getValue());
            return compiles && (!tiered || stopLevel >= 4);
        } catch (RuntimeException notHotSpot) {
            // Not HotSpot, or the bean is missing: assume an optimising JIT rather than refuse the fast path.
            return true;
        }
    }
}
