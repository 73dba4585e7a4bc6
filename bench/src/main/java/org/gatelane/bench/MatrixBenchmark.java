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
 * The batched matrix kernels at LSTM shapes, scalar vs vector. {@code shape} is {@code KxH}: K is the input
 * width of the product (H for the recurrence; 193 = 65 + 128 for a character model's fused first layer) and
 * N = 4H the packed gates.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = BenchmarkDefaults.VECTOR_MODULE)
@State(Scope.Thread)
public class MatrixBenchmark {

    @Param({"scalar", "vector"})
    Implementation implementation;

    @Param({"64x64", "193x128", "256x256", "512x512", "1024x1024"})
    String shape;

    @Param({"32", "64"})
    int batch;

    private RecurrentKernels kernels;
    private int depth;
    private int n;
    private float[] weights;
    private float[] inputs;
    private float[] gates;
    private float[] packedWeights;

    @Setup
    public void setUp() {
        kernels = implementation.kernels();
        depth = Shapes.depth(shape);
        n = 4 * Shapes.hidden(shape);
        weights = BenchmarkDefaults.random(depth * n, 1);
        inputs = BenchmarkDefaults.random(batch * depth, 2);
        gates = BenchmarkDefaults.random(batch * n, 3);
        packedWeights = new float[kernels.packedSize(depth, n)];
        kernels.packB(depth, n, weights, 0, n, packedWeights, 0);
    }

    /** Gates of a batch: Z[B x 4H] = X[B x K]·W[K x 4H]. */
    @Benchmark
    public float gemm() {
        kernels.gemm(batch, n, depth, inputs, 0, depth, weights, 0, n, gates, 0, n, false);
        return gates[0];
    }

    /**
     * The recurrence's product, as training runs it: Z[B x 4H] = H[B x K]·W with W packed once per pass (see
     * {@code RecurrentLayer}), so that the T steps of a pass share one copy.
     */
    @Benchmark
    public float gemmPacked() {
        kernels.gemmPacked(batch, n, depth, inputs, 0, depth, packedWeights, 0, gates, 0, n, false);
        return gates[0];
    }

    /** The input gradient of a batch: dX[B x K] = dZ[B x 4H]·Wᵀ. */
    @Benchmark
    public float gemmTransB() {
        kernels.gemmTransB(batch, depth, n, gates, 0, n, weights, 0, n, inputs, 0, depth, false);
        return inputs[0];
    }
}
