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

/**
 * {@code W_hᵀ [4H x K]} from {@code W_h [K x 4H]}, made before every reverse sweep, scalar vs vector. A class of
 * its own, not a method of {@link MatrixBenchmark}: it has no batch and no FLOPs, and the results tables read
 * every {@code MatrixBenchmark} method as a GEMM.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = BenchmarkDefaults.VECTOR_MODULE)
@State(Scope.Thread)
public class TransposeBenchmark {

    @Param({"scalar", "vector"})
    Implementation implementation;

    /** {@code KxH}, as in {@link MatrixBenchmark}. */
    @Param({"128x128", "256x256", "512x512"})
    String shape;

    private RecurrentKernels kernels;
    private int depth;
    private int n;
    private float[] weights;
    private float[] transposed;

    @Setup
    public void setUp() {
        kernels = implementation.kernels();
        depth = Shapes.depth(shape);
        n = 4 * Shapes.hidden(shape);
        weights = BenchmarkDefaults.random(depth * n, 1);
        transposed = new float[n * depth];
    }

    @Benchmark
    public float transpose() {
        kernels.transpose(depth, n, weights, 0, transposed, 0);
        return transposed[0];
    }
}
