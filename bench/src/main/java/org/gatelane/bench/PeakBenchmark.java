package org.gatelane.bench;

import java.util.concurrent.TimeUnit;

import org.gatelane.kernels.Kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

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

    /**
     * The kernels' species, a constant so that every vector operation below compiles to one instruction.
     */
    private static final VectorSpecies<Float> SPECIES =
            FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Kernels.vectorBits()));

    /**
     * A float, not a vector: a loop whose accumulators start from a vector object made elsewhere keeps boxing
     * them on every FMA (measured 1.7 GFLOP/s); started from a broadcast inside, they live in registers.
     */
    private float seed = 1e-7f;

    /**
     * {@link #PEAK_FMAS} vector FMAs in 12 independent chains, all in registers. Each chain is the addend
     * ({@code x·m + a}), as in every kernel: C2 compiles that to one {@code vfmadd231ps}, while a chain through
     * the multiplicand ({@code a·x + m}) costs a register copy per FMA and measured 2.7 times slower.
     *
     * <p>Compiled on its own, never inlined into JMH's measuring loop: C2 inlines it there after the second warm-up
     * iteration, and that copy ran at about three quarters of the speed the method reached on its own (AMD Zen 4,
     * 512 bits: 81-92 GFLOP/s against 111), so the peak read low and every share of it high.
     */
    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    @OperationsPerInvocation(PEAK_FMAS)
    public float peakFma() {
        FloatVector m = FloatVector.broadcast(SPECIES, seed);
        FloatVector a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m;
        FloatVector a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
        FloatVector x = FloatVector.broadcast(SPECIES, 0.999f);
        for (int i = 0; i < PEAK_FMAS / 12; i++) {
            a0 = x.fma(m, a0);
            a1 = x.fma(m, a1);
            a2 = x.fma(m, a2);
            a3 = x.fma(m, a3);
            a4 = x.fma(m, a4);
            a5 = x.fma(m, a5);
            a6 = x.fma(m, a6);
            a7 = x.fma(m, a7);
            a8 = x.fma(m, a8);
            a9 = x.fma(m, a9);
            a10 = x.fma(m, a10);
            a11 = x.fma(m, a11);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
