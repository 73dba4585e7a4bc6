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

/** The weight gradient after a BPTT sweep, dW[K x 4H] += Xᵀ·dZ over T·B rows, scalar vs vector. */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = BenchmarkDefaults.VECTOR_MODULE)
@State(Scope.Thread)
public class WeightGradientBenchmark {

    /**
     * T·B: 100 steps x 32 streams, a training step of the compared configurations (3,200 rows, 13 depth blocks);
     * 800 (25 steps) is what results recorded before this parameter measured.
     */
    @Param({"3200"})
    int rows;

    @Param({"scalar", "vector"})
    Implementation implementation;

    @Param({"64x64", "193x128", "256x256", "512x512", "1024x1024"})
    String shape;

    private RecurrentKernels kernels;
    private int depth;
    private int n;
    private float[] inputs;
    private float[] gateGradients;
    private float[] weightGradients;

    @Setup
    public void setUp() {
        kernels = implementation.kernels();
        depth = Shapes.depth(shape);
        n = 4 * Shapes.hidden(shape);
        inputs = BenchmarkDefaults.random(rows * depth, 1);
        gateGradients = BenchmarkDefaults.random(rows * n, 2);
        weightGradients = new float[depth * n];
    }

    @Benchmark
    public float weightGradient() {
        kernels.gemmTransA(depth, n, rows, inputs, 0, depth, gateGradients, 0, n, weightGradients, 0, n, false);
        return weightGradients[0];
    }
}
