package org.gatelane.kernels;

/** The {@code gatelane.vectorBits} system property: the vector width tests and benchmarks may ask for. */
final class VectorWidth {

    static final String PROPERTY = "gatelane.vectorBits";
    /** Allows a width wider than the CPU's (emulated, slow): for tests of wide code paths on narrow machines. */
    static final String EMULATE_PROPERTY = "gatelane.vectorBits.emulate";

    private VectorWidth() {
    }

    /** Parses a width in bits; only widths the Vector API has for floats on x86 and ARM are accepted. */
    static int parseBits(String value) {
        return switch (value.trim()) {
            case "128" -> 128;
            case "256" -> 256;
            case "512" -> 512;
            default -> throw new IllegalArgumentException(
                    "-D" + PROPERTY + "=" + value + " is not a vector width; use 128, 256 or 512");
        };
    }
}
