package org.gatelane.bench;

import java.util.SplittableRandom;

/** Shared set-up of the benchmarks: random data, seeded, so every fork measures the same inputs. */
final class BenchmarkDefaults {

    /** Every fork needs the Vector API; the forks inherit no flags from the launching JVM. */
    static final String VECTOR_MODULE = "--add-modules=jdk.incubator.vector";

    private BenchmarkDefaults() {
    }

    static float[] random(int length, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = (float) random.nextDouble(-1, 1);
        }
        return values;
    }
}
