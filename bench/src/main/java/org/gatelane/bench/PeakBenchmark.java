package org.gatelane.bench;

import java.util.concurrent.TimeUnit;

import org.gatelane.kernels.Kernels;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The core's FP32 peak at the vector kernels' width, measured in the same run as the kernels so that each
 * compute-bound kernel is reported as a share of it, never of a constant. One operation is one FMA on every lane
 * of one vector, 2·lanes FLOPs. Twelve independent accumulators cover an FMA latency of four cycles on up to
 * three pipes, and fit in the 16 vector registers of AVX2 (AVX-512 has 32).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = BenchmarkDefaults.VECTOR_MODULE)
@State(Scope.Thread)
public class PeakBenchmark {

    /** FMAs of one vector per {@code peakFma} call: 12 chains of 4096. */
    static final int PEAK_FMAS = 12 * 4096;

    private VectorSpecies<Float> species;
    private FloatVector seed;

    @Setup
    public void setUp() {
        species = FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Kernels.vectorBits()));
        seed = FloatVector.broadcast(species, 1e-7f);
    }

    /** {@link #PEAK_FMAS} vector FMAs in 12 independent chains, all in registers. */
    @Benchmark
    @OperationsPerInvocation(PEAK_FMAS)
    public float peakFma() {
        FloatVector m = seed;
        FloatVector a0 = seed, a1 = seed, a2 = seed, a3 = seed, a4 = seed, a5 = seed;
        FloatVector a6 = seed, a7 = seed, a8 = seed, a9 = seed, a10 = seed, a11 = seed;
        FloatVector x = FloatVector.broadcast(species, 0.999f);
        for (int i = 0; i < PEAK_FMAS / 12; i++) {
            a0 = a0.fma(x, m);
            a1 = a1.fma(x, m);
            a2 = a2.fma(x, m);
            a3 = a3.fma(x, m);
            a4 = a4.fma(x, m);
            a5 = a5.fma(x, m);
            a6 = a6.fma(x, m);
            a7 = a7.fma(x, m);
            a8 = a8.fma(x, m);
            a9 = a9.fma(x, m);
            a10 = a10.fma(x, m);
            a11 = a11.fma(x, m);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
