package org.gatelane.bench;

import java.util.concurrent.TimeUnit;

import org.gatelane.kernels.Kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One core's read bandwidth from buffers that live in L1, L2, L3 and memory, measured in the same run as the
 * kernels so that each bandwidth-bound kernel (GEMV, elementwise, sampling) is reported as a share of the
 * level its data lives in. One operation is one pass over the buffer: bytes per second = score · KiB · 1024.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = BenchmarkDefaults.VECTOR_MODULE)
@State(Scope.Thread)
public class BandwidthBenchmark {

    /** Buffer sizes in KiB: L1, L2 and L3 of the usual x86 core, and far beyond any cache. */
    @Param({"16", "256", "4096", "262144"})
    int kib;

    /**
     * The kernels' species, a constant as in {@link PeakBenchmark}: in an instance field it keeps C2 from
     * intrinsifying the loads.
     */
    private static final VectorSpecies<Float> SPECIES =
            FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Kernels.vectorBits()));

    private float[] buffer;

    @Setup
    public void setUp() {
        buffer = BenchmarkDefaults.random(kib * 256, 4);
    }

    /**
     * Reads the whole buffer once. Eight accumulators: an add has a latency of three or four cycles on two
     * pipes, and fewer chains would make L1 look slower than the two loads per cycle it serves.
     */
    @Benchmark
    public float streamRead() {
        int lanes = SPECIES.length();
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        int bound = buffer.length - buffer.length % (8 * lanes);
        for (int i = 0; i < bound; i += 8 * lanes) {
            s0 = s0.add(FloatVector.fromArray(SPECIES, buffer, i));
            s1 = s1.add(FloatVector.fromArray(SPECIES, buffer, i + lanes));
            s2 = s2.add(FloatVector.fromArray(SPECIES, buffer, i + 2 * lanes));
            s3 = s3.add(FloatVector.fromArray(SPECIES, buffer, i + 3 * lanes));
            s4 = s4.add(FloatVector.fromArray(SPECIES, buffer, i + 4 * lanes));
            s5 = s5.add(FloatVector.fromArray(SPECIES, buffer, i + 5 * lanes));
            s6 = s6.add(FloatVector.fromArray(SPECIES, buffer, i + 6 * lanes));
            s7 = s7.add(FloatVector.fromArray(SPECIES, buffer, i + 7 * lanes));
        }
        return s0.add(s1).add(s2).add(s3).add(s4).add(s5).add(s6).add(s7)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
