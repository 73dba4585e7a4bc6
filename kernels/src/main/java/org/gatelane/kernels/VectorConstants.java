package org.gatelane.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species every vector kernel computes with, fixed at class initialisation: the platform's preferred
 * float species, or the width named by {@code -Dgatelane.vectorBits=128|256|512}. Do not load this class without
 * {@code jdk.incubator.vector} in the boot layer; {@link Kernels} checks that first.
 */
final class VectorConstants {

    static final VectorSpecies<Float> SPECIES = chooseSpecies();
    static final int LANES = SPECIES.length();

    private VectorConstants() {
    }

    /**
     * The preferred species, or the width {@code -Dgatelane.vectorBits} asks for. A width the CPU lacks is
     * refused rather than emulated: the Vector API would run it in software, far slower than the scalar twin.
     * Only tests, to cover wide code paths on a narrow machine, set {@code -Dgatelane.vectorBits.emulate=true}.
     */
    private static VectorSpecies<Float> chooseSpecies() {
        String requested = System.getProperty(VectorWidth.PROPERTY);
        if (requested == null) {
            return FloatVector.SPECIES_PREFERRED;
        }
        int bits = VectorWidth.parseBits(requested);
        int widest = FloatVector.SPECIES_MAX.vectorBitSize();
        if (bits > widest && !Boolean.getBoolean(VectorWidth.EMULATE_PROPERTY)) {
            throw new IllegalArgumentException("-D" + VectorWidth.PROPERTY + "=" + bits + " is wider than this CPU's "
                    + "widest float vectors (" + widest + " bits); use " + widest + " or less");
        }
        return FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(bits)).check(float.class);
    }

}
