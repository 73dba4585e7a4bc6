package org.gatelane.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.ParameterLayout;
import org.gatelane.core.model.RecurrentModel;

import org.junit.jupiter.api.Test;

/** Learning-rate schedules, early-stopping counts, and the two initialisations. */
class ScheduleAndInitTest {

    private static TrainingSchedule schedule(TrainingSchedule.Kind kind, float decay, long every, long horizon,
                                             int warmup, int patience) {
        return new TrainingSchedule(new TrainingSchedule.Settings(kind, 0.1f, decay, every, horizon, warmup, patience));
    }

    @Test
    void stepDecaysEveryInterval() {
        TrainingSchedule step = schedule(TrainingSchedule.Kind.STEP, 0.5f, 10, 1, 0, 1);
        assertEquals(0.1f, step.rate(9), 1e-9f);
        assertEquals(0.05f, step.rate(10), 1e-9f);
        assertEquals(0.025f, step.rate(25), 1e-9f);
    }

    @Test
    void cosineFallsFromTheRateToZeroOverTheHorizon() {
        TrainingSchedule cosine = schedule(TrainingSchedule.Kind.COSINE, 1f, 1, 100, 0, 1);
        assertEquals(0.1f, cosine.rate(0), 1e-9f);
        assertEquals(0.05f, cosine.rate(50), 1e-7f);
        assertEquals(0.1f * 0.5 * (1 + Math.cos(Math.PI * 0.9)), cosine.rate(90), 1e-7f);
        assertEquals(0f, cosine.rate(100));
        assertEquals(0f, cosine.rate(1000));
    }

    @Test
    void cooldownHoldsTheRateThenFallsToZeroOverTheLastFifth() {
        TrainingSchedule cooldown = schedule(TrainingSchedule.Kind.COOLDOWN, 1f, 1, 100, 0, 1);
        assertEquals(0.1f, cooldown.rate(0));
        assertEquals(0.1f, cooldown.rate(80), "the descent starts at four fifths of the horizon");
        assertEquals(0.05f, cooldown.rate(90), 1e-7f);
        assertEquals(0.025f, cooldown.rate(95), 1e-7f);
        assertEquals(0f, cooldown.rate(100));
        assertEquals(0f, cooldown.rate(1000));
    }

    @Test
    void warmupRisesLinearlyThenHandsOver() {
        TrainingSchedule warm = schedule(TrainingSchedule.Kind.CONSTANT, 1f, 1, 1, 4, 1);
        assertEquals(0.025f, warm.rate(0), 1e-9f);
        assertEquals(0.075f, warm.rate(2), 1e-9f);
        assertEquals(0.1f, warm.rate(3), 1e-9f);
        assertEquals(0.1f, warm.rate(4), 1e-9f);
    }

    @Test
    void plateauDecaysAfterPatienceAndEarlyStoppingCountsSinceTheBest() {
        TrainingSchedule plateau = schedule(TrainingSchedule.Kind.PLATEAU, 0.5f, 1, 1, 0, 2);
        assertTrue(plateau.validated(3.0));
        assertTrue(plateau.validated(2.5));
        assertFalse(plateau.validated(2.6));
        assertEquals(0.1f, plateau.rate(7), 1e-9f, "one bad validation is within patience");
        assertFalse(plateau.validated(2.5), "equal is not better");
        assertEquals(0.05f, plateau.rate(7), 1e-9f, "two in a row: decay");
        assertFalse(plateau.validated(2.7));
        assertEquals(0.05f, plateau.rate(7), 1e-9f, "the patience count restarts after a decay");
        assertEquals(3, plateau.validationsSinceBest());
        assertTrue(plateau.validated(2.0));
        assertEquals(0, plateau.validationsSinceBest());
        plateau.halve();
        assertEquals(0.025f, plateau.rate(7), 1e-9f);

        TrainingSchedule copy = schedule(TrainingSchedule.Kind.PLATEAU, 0.5f, 1, 1, 0, 2);
        copy.restore(plateau.state());
        assertEquals(plateau.rate(3), copy.rate(3));
        assertEquals(plateau.state(), copy.state());
    }

    @Test
    void constantSchedulesIgnoreValidations() {
        TrainingSchedule constant = schedule(TrainingSchedule.Kind.CONSTANT, 0.5f, 1, 1, 0, 1);
        constant.validated(1.0);
        constant.validated(2.0);
        constant.validated(3.0);
        assertEquals(0.1f, constant.rate(5), 0f);
        assertEquals(2, constant.validationsSinceBest());
        assertThrows(IllegalArgumentException.class, () -> TrainingSchedule.Kind.parse("exponential"));
        assertThrows(IllegalArgumentException.class,
                () -> new TrainingSchedule.Settings(TrainingSchedule.Kind.STEP, 0.1f, 1.5f, 1, 1, 0, 1));
    }

    /**
     * PyTorch's draws: weights and the head's bias uniform in ±1/√H; each gate bias the sum of two such draws,
     * so within ±2/√H with a triangular spread (variance 2/(3H)) rather than a flat one (1/(3H)).
     */
    @Test
    void theDefaultInitialisationDrawsWhatPyTorchDraws() {
        int hidden = 400;
        RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(30, hidden, 2), 11);
        ParameterLayout layout = model.layout();
        float[] p = model.parameters();
        double bound = 1 / Math.sqrt(hidden);
        for (int l = 0; l < 2; l++) {
            double[] biasMoments = moments(p, layout.gateBias(l), layout.gateBias(l) + 4 * hidden, 2 * bound);
            assertEquals(0, biasMoments[0], 0.1 * bound, "gate bias mean, layer " + l);
            assertEquals(2 * bound * bound / 3, biasMoments[1], 0.1 * 2 * bound * bound / 3, "gate bias variance");
            double[] weightMoments = moments(p, layout.gateWeights(l), layout.gateBias(l), bound);
            assertEquals(bound * bound / 3, weightMoments[1], 0.02 * bound * bound / 3, "weight variance");
        }
        moments(p, layout.outputBias(), layout.size(), bound);
        assertTrue(java.util.Arrays.equals(p, RecurrentModel.initialized(model.shape(), 11).parameters()), "seeded");
    }

    @Test
    void theForgetBiasInitialisationOpensOnlyTheForgetGate() {
        int hidden = 6;
        RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(5, hidden, 2), 3, 1.5f);
        for (int l = 0; l < 2; l++) {
            int bias = model.layout().gateBias(l);
            for (int i = 0; i < 4 * hidden; i++) {
                boolean forget = i >= hidden && i < 2 * hidden;
                assertEquals(forget ? 1.5f : 0f, model.parameters()[bias + i], "gate bias " + i + ", layer " + l);
            }
        }
    }

    /** Mean and variance of {@code p[from, to)}, every value checked to lie within ±bound. */
    private static double[] moments(float[] p, int from, int to, double bound) {
        double sum = 0, squares = 0;
        for (int i = from; i < to; i++) {
            assertTrue(Math.abs(p[i]) <= bound, "value " + p[i] + " at " + i + " beyond " + bound);
            sum += p[i];
            squares += (double) p[i] * p[i];
        }
        int n = to - from;
        double mean = sum / n;
        return new double[] {mean, squares / n - mean * mean};
    }
}
