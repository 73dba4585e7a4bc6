package org.gatelane.bench;

import java.util.concurrent.TimeUnit;

import org.gatelane.kernels.Kernels;
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

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

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

    private VectorSpecies<Float> species;
    private float[] buffer;

    @Setup
    public void setUp() {
        species = FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Kernels.vectorBits()));
        buffer = BenchmarkDefaults.random(kib * 256, 4);
    }

    /** Reads the whole buffer once with four vector accumulators; the sum keeps the loads alive. */
    @Benchmark
    public float streamRead() {
        int lanes = species.length();
        FloatVector s0 = FloatVector.zero(species), s1 = s0, s2 = s0, s3 = s0;
        int bound = buffer.length - buffer.length % (4 * lanes);
        for (int i = 0; i < bound; i += 4 * lanes) {
            s0 = s0.add(FloatVector.fromArray(species, buffer, i));
            s1 = s1.add(FloatVector.fromArray(species, buffer, i + lanes));
            s2 = s2.add(FloatVector.fromArray(species, buffer, i + 2 * lanes));
            s3 = s3.add(FloatVector.fromArray(species, buffer, i + 3 * lanes));
        }
        return s0.add(s1).add(s2).add(s3).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
