package org.gatelane.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import org.gatelane.core.model.Cell;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.Rng;
import org.gatelane.core.train.GradientClipping;
import org.gatelane.core.train.GroupRunner;
import org.gatelane.core.train.LearningRateSchedule;
import org.gatelane.core.train.Optimizer;
import org.gatelane.core.train.Trainer;
import org.gatelane.kernels.Kernels;

import org.apache.spark.TaskContext;
import org.junit.jupiter.api.Test;

/** A step whose groups Spark computes is the step this machine computes, bit for bit. */
class SparkGroupRunnerTest {

    private static final int STEPS = 7;
    /** Counted by the tasks, which in local mode run in this JVM (a hook's captured variables would be copies). */
    private static final AtomicInteger FAILED_ATTEMPTS = new AtomicInteger();
    private static final int STREAMS = 5;
    private static final int VOCABULARY = 11;

    /**
     * The parameters after {@code iterations} steps from the same model and chunks, with the groups run by runner and
     * dropout from step {@code dropoutFrom}.
     */
    private static float[] train(Cell cell, int groups, float dropout, long dropoutFrom, GroupRunner runner, long seed,
                                 int iterations) {
        ModelShape shape = ModelShape.characterModel(VOCABULARY, 13, 2).withCell(cell);
        RecurrentModel model = RecurrentModel.initialized(shape, seed);
        var kernels = Kernels.preferred();
        Optimizer optimizer = new Optimizer(Optimizer.Kind.ADAM, Optimizer.Settings.defaults(), kernels,
                model.layout().size());
        Trainer.Batching batching = new Trainer.Batching(STEPS, STREAMS, groups, 1, dropout, dropoutFrom);
        Random random = new Random(seed);
        try (Trainer trainer = new Trainer(model, kernels, optimizer, GradientClipping.globalNorm(1f),
                LearningRateSchedule.constant(0.05f), batching, new Rng(seed + 1), runner)) {
            int[] inputs = new int[STEPS * STREAMS];
            int[] targets = new int[inputs.length];
            for (int i = 0; i < iterations; i++) {
                for (int p = 0; p < inputs.length; p++) {
                    inputs[p] = random.nextInt(VOCABULARY);
                    targets[p] = random.nextInt(VOCABULARY);
                }
                trainer.step(inputs, targets);
            }
        }
        return model.parameters();
    }

    @Test
    void everyCellTrainsBitForBitAsOnOneMachine() {
        for (Cell cell : Cell.values()) {
            for (int groups : new int[] {1, 2, 3, 5}) {
                float dropout = groups == 2 || groups == 3 ? 0.25f : 0f;
                long dropoutFrom = groups == 2 ? 3 : 0; // halfway: the tasks are told when dropout begins
                long seed = 31L * cell.ordinal() + groups;
                float[] here = train(cell, groups, dropout, dropoutFrom, GroupRunner.threads(1), seed, 6);
                float[] spark = train(cell, groups, dropout, dropoutFrom,
                        new SparkGroupRunner(LocalSpark.context(), 2, new RoundTiming()), seed, 6);
                assertArrayEquals(here, spark, cell + " with " + groups + " groups, dropout " + dropout + " from step "
                        + dropoutFrom);
            }
        }
    }

    @Test
    void aTaskThatFailsIsRetriedAndTheRunEndsAsAnUndisturbedOne() {
        var context = LocalSpark.context();
        FAILED_ATTEMPTS.set(0);
        TaskHook failFirstAttemptOfGroupOne = group -> {
            if (group == 1 && TaskContext.get().attemptNumber() == 0) {
                FAILED_ATTEMPTS.incrementAndGet();
                throw new IllegalStateException("injected failure of the first attempt");
            }
        };
        float[] undisturbed = train(Cell.LSTM, 2, 0f, 0, GroupRunner.threads(2), 5, 4);
        float[] retried = train(Cell.LSTM, 2, 0f, 0,
                new SparkGroupRunner(context, 2, new RoundTiming(), failFirstAttemptOfGroupOne), 5, 4);
        assertEquals(4, FAILED_ATTEMPTS.get(), "each of the 4 steps failed once");
        assertArrayEquals(undisturbed, retried);
    }

    @Test
    void timingSplitsRoundsIntoComputeAndOverhead() {
        RoundTiming timing = new RoundTiming();
        train(Cell.GRU, 2, 0f, 0, new SparkGroupRunner(LocalSpark.context(), 2, timing), 3, 3);
        assertEquals(3, timing.steps());
        assertEquals(3, timing.rounds());
        assertTrue(timing.slowestTaskSeconds() > 0 && timing.slowestTaskSeconds() < timing.roundSeconds(),
                timing.summary());
        assertTrue(timing.overheadPerRound() > 0, timing.summary());
    }
}
