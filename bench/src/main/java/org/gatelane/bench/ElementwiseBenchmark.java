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
 * The per-step elementwise kernels at hidden size H: activations over the 4H gates, a dropout mask over as many
 * units, the fused cell forward and backward, softmax-cross-entropy over a 65-symbol vocabulary, an Adam update
 * and a sum of squares over the parameters of a one-layer character model.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = BenchmarkDefaults.VECTOR_MODULE)
@State(Scope.Thread)
public class ElementwiseBenchmark {

    static final int VOCABULARY = 65;

    @Param({"scalar", "vector"})
    Implementation implementation;

    @Param({"64", "128", "256", "512", "1024"})
    int hidden;

    private RecurrentKernels kernels;
    private float[] preactivations;
    private float[] activations;
    private float[] gates;
    private float[] cPrev;
    private float[] c;
    private float[] tanhC;
    private float[] h;
    private float[] dh;
    private float[] dc;
    private float[] dz;
    private float[] dRecurrent;
    private float[] logits;
    private float[] dLogits;
    private float[] params;
    private float[] grads;
    private float[] firstMoment;
    private float[] secondMoment;
    private long step;
    private long dropoutState;

    @Setup
    public void setUp() {
        kernels = implementation.kernels();
        int g = 4 * hidden;
        preactivations = BenchmarkDefaults.random(g, 1);
        for (int i = 0; i < g; i++) {
            preactivations[i] *= 6;
        }
        activations = new float[g];
        gates = preactivations.clone();
        cPrev = BenchmarkDefaults.random(hidden, 2);
        c = new float[hidden];
        tanhC = new float[hidden];
        h = new float[hidden];
        dh = BenchmarkDefaults.random(hidden, 3);
        dc = BenchmarkDefaults.random(hidden, 4);
        dz = new float[g];
        dRecurrent = new float[3 * hidden];
        logits = BenchmarkDefaults.random(VOCABULARY, 5);
        dLogits = new float[VOCABULARY];
        int parameters = (VOCABULARY + hidden) * g + g + hidden * VOCABULARY + VOCABULARY;
        params = BenchmarkDefaults.random(parameters, 6);
        grads = BenchmarkDefaults.random(parameters, 7);
        firstMoment = new float[parameters];
        secondMoment = new float[parameters];
    }

    @Benchmark
    public float sigmoid() {
        kernels.sigmoid(4 * hidden, preactivations, 0, activations, 0);
        return activations[0];
    }

    @Benchmark
    public float tanh() {
        kernels.tanh(4 * hidden, preactivations, 0, activations, 0);
        return activations[0];
    }

    @Benchmark
    public float dropoutMask() {
        dropoutState = kernels.dropoutMask(activations.length, 0.2f, dropoutState, activations, 0);
        return activations[0];
    }

    /** One cell step forward and back, as in training; the gates are refreshed from fixed pre-activations. */
    @Benchmark
    public float cellForwardBackward() {
        System.arraycopy(preactivations, 0, gates, 0, gates.length);
        kernels.lstmCellForward(hidden, gates, 0, cPrev, 0, c, 0, tanhC, 0, h, 0);
        kernels.lstmCellBackward(hidden, gates, 0, cPrev, 0, tanhC, 0, dh, 0, dc, 0, dz, 0, c, 0);
        return dz[0] + h[0];
    }

    /**
     * The GRU's cell step forward and back; the gates and u are refreshed from fixed pre-activations, and dc stands
     * in for b_hn.
     */
    @Benchmark
    public float gruCellForwardBackward() {
        System.arraycopy(preactivations, 0, gates, 0, 3 * hidden);
        System.arraycopy(preactivations, hidden, activations, 0, 3 * hidden);
        kernels.gruCellForward(hidden, gates, 0, activations, 0, dc, 0, cPrev, 0, h, 0);
        kernels.gruCellBackward(hidden, gates, 0, activations, 0, cPrev, 0, dh, 0, dz, 0, dRecurrent, 0, c, 0);
        return dz[0] + h[0];
    }

    /** Does not depend on H; measured once per H all the same, which shows the noise. */
    @Benchmark
    public float softmaxCrossEntropy() {
        return kernels.softmaxCrossEntropy(VOCABULARY, logits, 0, 7, 0.04f, dLogits, 0);
    }

    @Benchmark
    public float adam() {
        kernels.adam(params.length, params, 0, grads, 0, firstMoment, 0, secondMoment, 0, 1e-3f, 0.9f, 0.999f, 1e-8f,
                0f, ++step);
        return params[0];
    }

    @Benchmark
    public float sumOfSquares() {
        return kernels.sumOfSquares(grads.length, grads, 0);
    }
}
