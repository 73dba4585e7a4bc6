package org.gatelane.core.train;

import static org.gatelane.testing.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gatelane.core.model.Cell;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RandomModels;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.Rng;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.TextBatches;
import org.gatelane.kernels.RecurrentKernels;
import org.gatelane.testing.PropertyCases;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Training end to end: reproducibility, agreement of the two kernel paths, threads, learning, divergence. */
class TrainingTest {

    private static final String TEXT = "the keeper winds the clock and the light turns. ".repeat(8);

    private static float[] losses(RecurrentKernels kernels, int streams, int threads, int steps, Optimizer.Kind kind) {
        return losses(kernels, new Trainer.Batching(10, streams, Math.min(streams, threads), threads, 0f), steps, kind);
    }

    private static float[] losses(RecurrentKernels kernels, Trainer.Batching batching, int steps, Optimizer.Kind kind) {
        return losses(Cell.LSTM, kernels, batching, steps, kind);
    }

    private static float[] losses(Cell cell, RecurrentKernels kernels, Trainer.Batching batching, int steps,
                                  Optimizer.Kind kind) {
        int streams = batching.streams();
        Corpus corpus = Corpus.of(TEXT);
        RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(corpus.vocabulary().size(), 24, 2)
                .withCell(cell), 7);
        Optimizer optimizer = new Optimizer(kind, Optimizer.Settings.defaults(), kernels, model.layout().size());
        TextBatches batches = new TextBatches(corpus, 0, corpus.length(), 10, streams);
        int[] inputs = new int[10 * streams];
        int[] targets = new int[inputs.length];
        float[] losses = new float[steps];
        try (Trainer trainer = new Trainer(model, kernels, optimizer, GradientClipping.globalNorm(5f),
                LearningRateSchedule.constant(0.01f), batching, new Rng(3))) {
            for (int i = 0; i < steps; i++) {
                if (batches.next(inputs, targets)) {
                    trainer.state().reset();
                }
                losses[i] = trainer.step(inputs, targets);
            }
        }
        return losses;
    }

    @Test
    void theSameSeedGivesBitIdenticalLossesOver100Steps() {
        for (RecurrentKernels kernels : new RecurrentKernels[] {RandomModels.SCALAR, RandomModels.VECTOR}) {
            assertArrayEquals(losses(kernels, 3, 1, 100, Optimizer.Kind.ADAM),
                    losses(kernels, 3, 1, 100, Optimizer.Kind.ADAM), kernels.name());
        }
    }

    @Test
    void vectorAndScalarPathsAgreeOnLossesAndGradients() {
        float[] scalar = losses(RandomModels.SCALAR, 2, 1, 30, Optimizer.Kind.ADAM);
        float[] vector = losses(RandomModels.VECTOR, 2, 1, 30, Optimizer.Kind.ADAM);
        for (int i = 0; i < scalar.length; i++) {
            assertClose("loss at step " + i, scalar[i], vector[i], 1e-4, 1e-3);
        }
        PropertyCases.check("vector-vs-scalar-gradients", 30, random -> {
            RandomModels m = RandomModels.draw(random, 3, 4, 20);
            float[] expected = new float[m.model().layout().size()];
            float[] actual = new float[expected.length];
            float expectedLoss = m.lossAndGradients(m.pass(RandomModels.SCALAR), expected, null);
            float actualLoss = m.lossAndGradients(m.pass(RandomModels.VECTOR), actual, null);
            assertClose("loss", expectedLoss, actualLoss, 1e-5, 1e-5);
            float scale = 0;
            for (float g : expected) {
                scale = Math.max(scale, Math.abs(g));
            }
            for (int i = 0; i < expected.length; i++) {
                assertClose("gradient " + i, expected[i], actual[i], 1e-4 * scale, 1e-3);
            }
        });
    }

    @Test
    void theThreadCountNeverChangesAResultAndGroupsOnlyTheRounding() {
        for (Cell cell : Cell.values()) {
            for (float dropout : new float[] {0f, 0.3f}) {
                float[] oneThread = losses(cell, RandomModels.VECTOR, new Trainer.Batching(10, 5, 3, 1, dropout), 40,
                        Optimizer.Kind.ADAM);
                for (int threads = 2; threads <= 4; threads++) {
                    assertArrayEquals(oneThread, losses(cell, RandomModels.VECTOR, new Trainer.Batching(10, 5, 3,
                            threads, dropout), 40, Optimizer.Kind.ADAM), cell + ", " + threads
                            + " threads over 3 groups, dropout " + dropout);
                }
            }
        }
        float[] oneGroup = losses(RandomModels.VECTOR, 5, 1, 40, Optimizer.Kind.ADAM);
        float[] threeGroups = losses(RandomModels.VECTOR, new Trainer.Batching(10, 5, 3, 1, 0f), 40,
                Optimizer.Kind.ADAM);
        assertFalse(java.util.Arrays.equals(oneGroup, threeGroups), "groups do change the rounding");
        for (int i = 0; i < oneGroup.length; i++) {
            assertClose("3 groups, step " + i, oneGroup[i], threeGroups[i], 1e-4, 1e-3);
        }
    }

    /**
     * Dropout that begins at step 15 trains the first 15 steps exactly as no dropout does, then as dropout from the
     * first step would, and the thread count changes nothing about it.
     */
    @Test
    void lateDropoutLeavesTheStepsBeforeItsStartUntouched() {
        float[] none = losses(RandomModels.VECTOR, new Trainer.Batching(10, 5, 3, 1, 0f), 40, Optimizer.Kind.ADAM);
        float[] fromStart = losses(RandomModels.VECTOR, new Trainer.Batching(10, 5, 3, 1, 0.3f), 40,
                Optimizer.Kind.ADAM);
        float[] late = losses(RandomModels.VECTOR, new Trainer.Batching(10, 5, 3, 1, 0.3f, 15), 40,
                Optimizer.Kind.ADAM);
        for (int i = 0; i < 15; i++) {
            assertEquals(none[i], late[i], "step " + i + ", before dropout begins");
        }
        // The losses are reported before each update, so step 15 is the first that dropout changes.
        for (int i = 15; i < 40; i++) {
            assertFalse(late[i] == none[i] || late[i] == fromStart[i], "step " + i + ": " + late[i]
                    + " equals the run without dropout or the run with dropout from the start");
        }
        assertArrayEquals(late, losses(RandomModels.VECTOR, new Trainer.Batching(10, 5, 3, 3, 0.3f, 15), 40,
                Optimizer.Kind.ADAM), "three threads");
        assertThrows(IllegalArgumentException.class, () -> new Trainer.Batching(10, 5, 3, 1, 0.3f, -1));
    }

    /**
     * A step that fails in one thread's groups throws, changes nothing, and leaves the threads in step: the next
     * step computes what a trainer that never saw the failure computes.
     */
    @Test
    void aFailedStepChangesNothingAndTheThreadsStayInStep() {
        Corpus corpus = Corpus.of(TEXT);
        int streams = 4;
        int[] inputs = new int[10 * streams];
        int[] targets = new int[inputs.length];
        new TextBatches(corpus, 0, corpus.length(), 10, streams).next(inputs, targets);
        int[] broken = inputs.clone();
        for (int failingStream : new int[] {0, 3}) {
            broken[failingStream] = -1;
            float[] expected = afterSteps(inputs, targets, null, streams);
            float[] actual = afterSteps(inputs, targets, broken, streams);
            assertArrayEquals(expected, actual, "a failure in stream " + failingStream + " leaves no trace");
            broken[failingStream] = inputs[failingStream];
        }
    }

    /** Parameters after two good steps, with a failing step before them if {@code broken} is given. */
    private static float[] afterSteps(int[] inputs, int[] targets, int[] broken, int streams) {
        Corpus corpus = Corpus.of(TEXT);
        RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(corpus.vocabulary().size(), 12, 2), 4);
        Optimizer optimizer = new Optimizer(Optimizer.Kind.ADAM, Optimizer.Settings.defaults(), RandomModels.VECTOR,
                model.layout().size());
        try (Trainer trainer = new Trainer(model, RandomModels.VECTOR, optimizer, GradientClipping.globalNorm(5f),
                LearningRateSchedule.constant(0.01f), new Trainer.Batching(10, streams, 2, 2, 0f), new Rng(1))) {
            if (broken != null) {
                float[] before = model.parameters().clone();
                assertThrows(IllegalArgumentException.class, () -> trainer.step(broken, targets));
                assertArrayEquals(before, model.parameters(), "parameters after the failed step");
                assertEquals(0, optimizer.step(), "optimizer steps after the failed step");
                assertArrayEquals(new float[streams * 12], trainer.state().h(1), "carried state after the failure");
            }
            trainer.step(inputs, targets);
            trainer.step(inputs, targets);
        }
        return model.parameters();
    }

    @ParameterizedTest
    @EnumSource(Cell.class)
    void memorisesAShortRepetitiveText(Cell cell) {
        Corpus corpus = Corpus.of("abcde fghij klmno. ".repeat(20));
        RecurrentKernels kernels = RandomModels.VECTOR;
        RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(corpus.vocabulary().size(), 32, 1)
                .withCell(cell), 3);
        Optimizer optimizer = new Optimizer(Optimizer.Kind.ADAM, Optimizer.Settings.defaults(), kernels,
                model.layout().size());
        TextBatches batches = new TextBatches(corpus, 0, corpus.length(), 16, 2);
        int[] inputs = new int[32];
        int[] targets = new int[32];
        float loss = Float.NaN;
        try (Trainer trainer = new Trainer(model, kernels, 16, 2, optimizer, GradientClipping.globalNorm(5f),
                LearningRateSchedule.constant(0.01f))) {
            for (int step = 0; step < 600; step++) {
                if (batches.next(inputs, targets)) {
                    trainer.state().reset();
                }
                loss = trainer.step(inputs, targets);
            }
        }
        double initial = Math.log(corpus.vocabulary().size());
        assertTrue(loss < 0.05, cell + ": loss after 600 steps is " + loss + " nats (it starts near " + initial + ")");
    }

    @Test
    void nonFiniteLossStopsBeforeAnythingIsTouched() {
        Corpus corpus = Corpus.of(TEXT);
        RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(corpus.vocabulary().size(), 8, 1), 1);
        model.parameters()[model.layout().outputBias()] = Float.NaN;
        float[] before = model.parameters().clone();
        Optimizer optimizer = new Optimizer(Optimizer.Kind.ADAM, Optimizer.Settings.defaults(), RandomModels.VECTOR,
                model.layout().size());
        try (Trainer trainer = new Trainer(model, RandomModels.VECTOR, 5, 1, optimizer, GradientClipping.none(),
                LearningRateSchedule.constant(0.01f))) {
            int[] inputs = corpus.symbols(0, 5);
            int[] targets = corpus.symbols(1, 6);
            NonFiniteException e = assertThrows(NonFiniteException.class, () -> trainer.step(inputs, targets));
            assertTrue(e.getMessage().contains("NaN"), e.getMessage());
            assertArrayEquals(before, model.parameters());
            assertEquals(0, optimizer.step());
            assertArrayEquals(new float[8], trainer.state().h(0), "carried state unchanged");
        }
    }

    @Test
    void infiniteGradientsAreCaughtBeforeTheUpdate() {
        float[] gradients = {1f, Float.POSITIVE_INFINITY, 2f};
        assertThrows(NonFiniteException.class, () -> GradientClipping.globalNorm(1f).apply(RandomModels.VECTOR, gradients));
        assertEquals(1f, gradients[0]);
    }

    /** The float sum of squares overflows from a norm of about 1.8e19; the norm and the clipping must not. */
    @Test
    void clippingHandlesNormsBeyondTheFloatSumOfSquares() {
        for (RecurrentKernels kernels : new RecurrentKernels[] {RandomModels.SCALAR, RandomModels.VECTOR}) {
            float[] gradients = {3e19f, -4e19f, 1f};
            assertEquals(5e19f, GradientClipping.globalNorm(1f).apply(kernels, gradients), 1e13f);
            assertArrayEquals(new float[] {0.6f, -0.8f, 2e-20f}, gradients, 1e-6f);
        }
        float[] nan = {3e19f, Float.NaN};
        NonFiniteException e = assertThrows(NonFiniteException.class,
                () -> GradientClipping.globalNorm(1f).apply(RandomModels.VECTOR, nan));
        assertFalse(e.getMessage().contains("enable clipping"), e.getMessage());
    }

    @Test
    void clippingLimitsTheNormOrEachElement() {
        float[] gradients = {3f, -4f, 0f};
        assertEquals(5f, GradientClipping.globalNorm(1f).apply(RandomModels.SCALAR, gradients), 1e-6f);
        assertArrayEquals(new float[] {0.6f, -0.8f, 0f}, gradients, 1e-6f);
        float[] elementwise = {3f, -4f, 0.5f};
        GradientClipping.elementwise(1f).apply(RandomModels.SCALAR, elementwise);
        assertArrayEquals(new float[] {1f, -1f, 0.5f}, elementwise);
    }

    @Test
    void learningRateSchedules() {
        assertEquals(0.1f, LearningRateSchedule.stepDecay(0.1f, 0.5f, 10).rate(9), 1e-9f);
        assertEquals(0.05f, LearningRateSchedule.stepDecay(0.1f, 0.5f, 10).rate(10), 1e-9f);
        assertEquals(0.1f * 0.9f * 0.9f, LearningRateSchedule.exponential(0.1f, 0.9f).rate(2), 1e-8f);
    }
}
