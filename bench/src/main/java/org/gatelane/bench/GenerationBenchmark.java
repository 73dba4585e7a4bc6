package org.gatelane.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.gatelane.core.infer.BatchedGenerator;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.Vocabulary;

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
 * Batched generation: one {@link BatchedGenerator#step()} gives each of {@code streams} streams one character, so
 * chars/s = ops/s · streams; {@code SamplingBenchmark} is the lone sampler to set it beside.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = BenchmarkDefaults.VECTOR_MODULE)
@State(Scope.Thread)
public class GenerationBenchmark {

    @Param({"vector"})
    Implementation implementation;

    @Param({"128", "256", "512"})
    int hidden;

    @Param({"1", "8", "64"})
    int streams;

    private BatchedGenerator generator;

    @Setup
    public void setUp() {
        Vocabulary vocabulary = new Vocabulary(IntStream.range(32, 97).toArray());
        RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(vocabulary.size(), hidden, 1), 1);
        generator = new BatchedGenerator(model, vocabulary, implementation.kernels(), streams);
        for (int i = 0; i < streams; i++) {
            generator.join(new BatchedGenerator.Request("ABC", Integer.MAX_VALUE, 1f, 0, 1f, i, List.of(),
                    Corpus.Unknown.ERROR), piece -> { });
        }
    }

    @Benchmark
    public int step() {
        generator.step();
        return generator.active();
    }
}
