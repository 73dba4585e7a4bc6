package org.gatelane.bench;

import java.util.concurrent.TimeUnit;

import org.gatelane.core.infer.Sampler;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.Rng;

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

/** Sampling one character at a time (feed, softmax, draw, feed back): ops/s = chars/s. */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = BenchmarkDefaults.VECTOR_MODULE)
@State(Scope.Thread)
public class SamplingBenchmark {

    @Param({"scalar", "vector"})
    Implementation implementation;

    @Param({"128", "256", "512"})
    int hidden;

    private Sampler sampler;
    private Rng rng;
    private int symbol;

    @Setup
    public void setUp() {
        sampler = new Sampler(RecurrentModel.initialized(ModelShape.characterModel(65, hidden, 1), 1),
                implementation.kernels());
        rng = new Rng(3);
    }

    @Benchmark
    public int sampleOneCharacter() {
        symbol = sampler.draw(sampler.feed(symbol), 1f, 0, 1f, rng);
        return symbol;
    }
}
