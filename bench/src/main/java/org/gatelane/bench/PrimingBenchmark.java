package org.gatelane.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.gatelane.core.infer.BatchedGenerator;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RecurrentModel;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * A burst of prompts, as a server meets when many users ask at once: {@code prompts} prompts of 100 characters fed
 * side by side by {@link BatchedGenerator#prime(List)}, or one after another by {@link
 * BatchedGenerator#prime(BatchedGenerator.Request)}. One operation feeds them all: prompt chars/s = ops/s · 100 ·
 * prompts.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = BenchmarkDefaults.VECTOR_MODULE)
@State(Scope.Thread)
public class PrimingBenchmark {

    @Param({"128", "256", "512"})
    int hidden;

    @Param({"64"})
    int prompts;

    private BatchedGenerator generator;
    private final List<BatchedGenerator.Request> requests = new ArrayList<>();

    @Setup
    public void setUp() {
        Vocabulary vocabulary = new Vocabulary(IntStream.range(32, 97).toArray());
        RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(vocabulary.size(), hidden, 1), 1);
        generator = new BatchedGenerator(model, vocabulary, Implementation.vector.kernels(), prompts);
        for (int i = 0; i < prompts; i++) {
            requests.add(BatchedGenerator.Request.of("THE ".repeat(25), 1, i));
        }
    }

    @Benchmark
    public List<BatchedGenerator.Primed> together() {
        return generator.prime(requests);
    }

    @Benchmark
    public void oneByOne(Blackhole primed) {
        for (BatchedGenerator.Request request : requests) {
            primed.consume(generator.prime(request));
        }
    }
}
