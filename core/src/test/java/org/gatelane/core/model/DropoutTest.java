package org.gatelane.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gatelane.core.check.GradientCheck;
import org.gatelane.kernels.RecurrentKernels;
import org.gatelane.testing.PropertyCases;

import org.junit.jupiter.api.Test;

/** Dropout with PyTorch's semantics: masked outputs on the way up only, inverted scaling, fixed masks. */
class DropoutTest {

    /** With the masks held fixed, the loss is a plain function of the parameters and of the initial state. */
    @Test
    void gradientsWithAFixedMaskMatchFiniteDifferences() {
        PropertyCases.check("dropout-gradients", 40, random -> {
            RandomModels m = RandomModels.draw(random, 3, 3, 12);
            RecurrentKernels kernels = random.nextBoolean() ? RandomModels.SCALAR : RandomModels.VECTOR;
            SequencePass bptt = new SequencePass(m.model(), kernels, m.steps(), m.streams(), 0.1f + 0.5f * (float) random.nextDouble());
            bptt.drawDropoutMasks(new Rng(random.nextLong()));
            float[] gradients = new float[m.model().layout().size()];
            m.lossAndGradients(bptt, gradients, null);
            new GradientCheck(GradientTest.loss(m, bptt), GradientTest.STEP, GradientTest.FLOOR)
                    .check(m.model().parameters(), gradients, 6, 20, random.nextLong())
                    .assertWithin(GradientTest.TOLERANCE);
        });
    }

    @Test
    void masksDropTheRateAndScaleTheRest() {
        RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(5, 50, 2), 1);
        SequencePass bptt = new SequencePass(model, RandomModels.VECTOR, 40, 5, 0.25f);
        int[] symbols = new int[200];
        int[] targets = new int[200];
        RecurrentState zero = RecurrentState.zeros(model.shape(), 5);
        float without = bptt.loss(symbols, targets, zero, null);
        bptt.drawDropoutMasks(new Rng(9));
        float with = bptt.loss(symbols, targets, zero, null);
        assertNotEquals(without, with, "masks apply once drawn");
        assertEquals(with, bptt.loss(symbols, targets, zero, null), "and stay until the next draw");
        bptt.drawDropoutMasks(new Rng(10));
        assertNotEquals(with, bptt.loss(symbols, targets, zero, null), "a new draw, a new function");
    }

    /** The recurrence never sees the masks: one layer's state is the same with dropout as without. */
    @Test
    void theRecurrenceIsNotMasked() {
        PropertyCases.check("dropout-recurrence", 20, random -> {
            ModelShape shape = ModelShape.characterModel(7, 1 + random.nextInt(20), 1);
            RecurrentModel model = RecurrentModel.initialized(shape, random.nextLong());
            int steps = 1 + random.nextInt(10), streams = 1 + random.nextInt(3);
            int[] symbols = random.ints(steps * streams, 0, 7).toArray();
            RecurrentState plain = RecurrentState.zeros(shape, streams), dropped = RecurrentState.zeros(shape, streams);
            new SequencePass(model, RandomModels.VECTOR, steps, streams).loss(symbols, symbols, plain, plain);
            SequencePass withDropout = new SequencePass(model, RandomModels.VECTOR, steps, streams, 0.5f);
            withDropout.drawDropoutMasks(new Rng(random.nextLong()));
            withDropout.loss(symbols, symbols, dropped, dropped);
            assertArrayEquals(plain.h(0), dropped.h(0));
            assertArrayEquals(plain.c(0), dropped.c(0));
        });
    }

    /**
     * One position: the head's gradients are {@code dWy[j] = m_j · h_j · dLogits} and {@code dby = dLogits}, and h
     * itself is {@code dWy[j] / dby} of the run without dropout. So every unit's mask {@code m_j} can be read back:
     * it must be 0 or {@code 1/(1-p)}, and about p of them 0.
     */
    @Test
    void maskValuesAreZeroOrTheInverseKeepRate() {
        int hidden = 1000;
        float rate = 0.3f;
        ModelShape shape = ModelShape.characterModel(3, hidden, 1);
        RecurrentModel model = RecurrentModel.initialized(shape, 3);
        ParameterLayout layout = model.layout();
        int[] symbol = {1};
        float[] plain = new float[layout.size()];
        new SequencePass(model, RandomModels.SCALAR, 1, 1).lossAndGradients(symbol, symbol, RecurrentState.zeros(shape, 1), null,
                plain, null);
        SequencePass bptt = new SequencePass(model, RandomModels.SCALAR, 1, 1, rate);
        bptt.drawDropoutMasks(new Rng(5));
        float[] dropped = new float[layout.size()];
        bptt.lossAndGradients(symbol, symbol, RecurrentState.zeros(shape, 1), null, dropped, null);
        int zeros = 0;
        double kept = 1.0 / (1.0 - rate);
        int v = 1;
        for (int j = 0; j < hidden; j++) {
            int at = layout.outputWeights() + j * 3 + v;
            double h = (double) plain[at] / plain[layout.outputBias() + v];
            double mask = dropped[at] / (h * dropped[layout.outputBias() + v]);
            if (mask == 0) {
                zeros++;
            } else {
                assertEquals(kept, mask, 1e-3 * kept, "mask of unit " + j);
            }
        }
        assertTrue(zeros > 240 && zeros < 360, zeros + " of 1000 units dropped at p = 0.3");
    }

    @Test
    void ratesOutsideZeroToOneAreRefused() {
        RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(3, 2, 1), 1);
        assertThrows(IllegalArgumentException.class, () -> new SequencePass(model, RandomModels.SCALAR, 1, 1, 1f));
        assertThrows(IllegalArgumentException.class, () -> new SequencePass(model, RandomModels.SCALAR, 1, 1, -0.1f));
        assertThrows(IllegalArgumentException.class, () -> new SequencePass(model, RandomModels.SCALAR, 1, 1, Float.NaN));
    }
}
