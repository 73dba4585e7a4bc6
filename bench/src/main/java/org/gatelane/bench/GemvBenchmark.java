package org.gatelane.bench;

import java.util.concurrent.TimeUnit;

import org.gatelane.kernels.RecurrentKernels;

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

/** The batch-1 recurrence: the fused gate GEMV z[4H] += h[H]·W_h[H x 4H] and its transpose dh = W_h·dz. */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = BenchmarkDefaults.VECTOR_MODULE)
@State(Scope.Thread)
public class GemvBenchmark {

    @Param({"scalar", "vector"})
    Implementation implementation;

    @Param({"64", "128", "256", "512", "1024"})
    int hidden;

    private RecurrentKernels kernels;
    private float[] weights;
    private float[] h;
    private float[] z;

    @Setup
    public void setUp() {
        kernels = implementation.kernels();
        weights = BenchmarkDefaults.random(hidden * 4 * hidden, 1);
        h = BenchmarkDefaults.random(hidden, 2);
        z = BenchmarkDefaults.random(4 * hidden, 3);
    }

    @Benchmark
    public float gemv() {
        kernels.gemv(hidden, 4 * hidden, h, 0, weights, 0, 4 * hidden, z, 0, false);
        return z[0];
    }

    @Benchmark
    public float gemvTransposed() {
        kernels.gemvTransposed(hidden, 4 * hidden, weights, 0, 4 * hidden, z, 0, h, 0, false);
        return h[0];
    }
}
