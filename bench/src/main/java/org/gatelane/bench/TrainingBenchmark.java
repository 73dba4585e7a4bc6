package org.gatelane.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.gatelane.core.model.Cell;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.Rng;
import org.gatelane.core.train.GradientClipping;
import org.gatelane.core.train.LearningRateSchedule;
import org.gatelane.core.train.Optimizer;
import org.gatelane.core.train.Trainer;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One full training step (forward, backward, Adam update) of a one-layer character model over V = 65 symbols,
 * the job PyTorch's anchor measures. {@code config} is {@code H/T/B/groups/threads}; chars/s = ops/s · T · B
 * (done by {@link ResultsReport}). Corpus-free: the symbols are random, which costs the same as text.
 * {@code cell} is {@code lstm} unless given, as in {@code -p cell=lstm,gru} (see {@code bench/gru.sh}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = BenchmarkDefaults.VECTOR_MODULE)
@State(Scope.Thread)
public class TrainingBenchmark {

    static final int VOCABULARY = 65;

    @Param({"scalar", "vector"})
    Implementation implementation;

    /** H / T / B / stream groups / threads. */
    @Param({"128/25/1/1/1", "256/25/1/1/1", "512/25/1/1/1", "128/25/32/1/1", "128/100/32/1/1", "256/100/32/1/1",
            "512/100/32/1/1", "128/100/32/2/1", "256/100/32/2/1", "512/100/32/2/1", "128/100/32/2/2",
            "256/100/32/2/2", "512/100/32/2/2"})
    String config;

    @Param({"lstm"})
    String cell;

    private Trainer trainer;
    private int[] inputs;
    private int[] targets;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = config.split("/");
        int hidden = Integer.parseInt(parts[0]);
        int steps = Integer.parseInt(parts[1]);
        int streams = Integer.parseInt(parts[2]);
        int groups = Integer.parseInt(parts[3]);
        int threads = Integer.parseInt(parts[4]);
        RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(VOCABULARY, hidden, 1)
                .withCell(Cell.of(cell)), 1);
        var kernels = implementation.kernels();
        Optimizer adam = new Optimizer(Optimizer.Kind.ADAM, Optimizer.Settings.defaults(), kernels,
                model.layout().size());
        trainer = new Trainer(model, kernels, adam, GradientClipping.none(), LearningRateSchedule.constant(1e-3f),
                new Trainer.Batching(steps, streams, groups, threads, 0f), new Rng(1));
        SplittableRandom random = new SplittableRandom(2);
        inputs = random.ints(steps * streams, 0, VOCABULARY).toArray();
        targets = random.ints(steps * streams, 0, VOCABULARY).toArray();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        trainer.close();
    }

    @Benchmark
    public float trainingStep() {
        return trainer.step(inputs, targets);
    }
}
