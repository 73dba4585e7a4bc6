package org.gatelane.core.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;

import org.gatelane.core.check.GradientCheck;
import org.gatelane.kernels.RecurrentKernels;
import org.gatelane.testing.PropertyCases;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * BPTT gradients against central finite differences on many random models: 1 to 3 layers, 1 to 4 streams,
 * 1 to 30 steps, H and V off every vector width, a non-zero initial state, one-hot and dense inputs, in both
 * kernel implementations. Covers every parameter and the gradient with respect to the initial state.
 */
class GradientTest {

    /**
     * Float32 losses with ε = 1e-2 leave finite differences good to about 1e-3 relative; 2e-2 leaves margin for
     * unlucky directions yet is far below the error of any real mistake (see the perturbed-gradient test).
     */
    static final double TOLERANCE = 2e-2;
    static final double STEP = 1e-2;
    static final double FLOOR = 1e-3;

    @Test
    void parameterGradientsMatchFiniteDifferences() {
        PropertyCases.check("bptt-parameter-gradients", 60, random -> {
            RandomModels m = RandomModels.draw(random, 3, 4, 30);
            RecurrentKernels kernels = random.nextBoolean() ? RandomModels.SCALAR : RandomModels.VECTOR;
            parameterCheck(m, kernels, random.nextLong()).assertWithin(TOLERANCE);
        });
    }

    /** Each cell on its own, so that a cell never goes unchecked by the draw's chance. */
    @ParameterizedTest
    @EnumSource(Cell.class)
    void everyCellsGradientsMatchFiniteDifferencesOnBothPaths(Cell cell) {
        PropertyCases.check("gradients-" + cell.id(), 16, random -> {
            RandomModels m = RandomModels.draw(random, 3, 4, 20, cell);
            parameterCheck(m, RandomModels.SCALAR, random.nextLong()).assertWithin(TOLERANCE);
            parameterCheck(m, RandomModels.VECTOR, random.nextLong()).assertWithin(TOLERANCE);
        });
    }

    @Test
    void initialStateGradientsMatchFiniteDifferences() {
        PropertyCases.check("bptt-state-gradients", 40, random -> {
            RandomModels m = RandomModels.draw(random, 3, 4, 12);
            RecurrentKernels kernels = random.nextBoolean() ? RandomModels.SCALAR : RandomModels.VECTOR;
            SequencePass bptt = m.pass(kernels);
            RecurrentState stateGradients = RecurrentState.zeros(m.model().shape(), m.streams());
            m.lossAndGradients(bptt, new float[m.model().layout().size()], stateGradients);
            int layers = m.initial().layers();
            int width = m.streams() * m.model().shape().hiddenSize();
            float[] flat = new float[2 * layers * width];
            float[] flatGradient = new float[flat.length];
            for (int l = 0; l < layers; l++) {
                System.arraycopy(m.initial().h(l), 0, flat, 2 * l * width, width);
                System.arraycopy(m.initial().c(l), 0, flat, (2 * l + 1) * width, width);
                System.arraycopy(stateGradients.h(l), 0, flatGradient, 2 * l * width, width);
                System.arraycopy(stateGradients.c(l), 0, flatGradient, (2 * l + 1) * width, width);
            }
            RecurrentState probe = RecurrentState.zeros(m.model().shape(), m.streams());
            new GradientCheck(point -> {
                for (int l = 0; l < layers; l++) {
                    System.arraycopy(point, 2 * l * width, probe.h(l), 0, width);
                    System.arraycopy(point, (2 * l + 1) * width, probe.c(l), 0, width);
                }
                return m.loss(bptt, probe);
            }, STEP, FLOOR).check(flat, flatGradient, 6, 10, random.nextLong()).assertWithin(TOLERANCE);
        });
    }

    /** The tolerance is tight enough to catch plausible bugs: a gradient 10 % off, everywhere or in one block. */
    @Test
    void aPerturbedGradientFailsTheCheck() {
        AtomicInteger blockCases = new AtomicInteger();
        PropertyCases.check("bptt-perturbed-gradient-fails", 20, random -> {
            RandomModels m = RandomModels.draw(random, 2, 3, 10);
            SequencePass bptt = m.pass(RandomModels.VECTOR);
            float[] gradients = new float[m.model().layout().size()];
            m.lossAndGradients(bptt, gradients, null);
            GradientCheck check = new GradientCheck(loss(m, bptt), STEP, FLOOR);
            float[] parameters = m.model().parameters();
            check.check(parameters, gradients, 3, 10, random.nextLong()).assertWithin(TOLERANCE);

            float[] scaled = gradients.clone();
            for (int i = 0; i < scaled.length; i++) {
                scaled[i] *= 1.1f;
            }
            // Random directions, and the coordinate of the largest gradient, which a tiny gradient cannot hide.
            int largestOverall = 0;
            for (int i = 0; i < gradients.length; i++) {
                largestOverall = Math.abs(gradients[i]) > Math.abs(gradients[largestOverall]) ? i : largestOverall;
            }
            int top = largestOverall;
            assertThrows(AssertionError.class, () -> check.check(parameters, scaled, 3, 1, top, top + 1,
                    random.nextLong()).assertWithin(TOLERANCE));

            // One block wrong: the recurrent weights of the first layer, probed at its largest coordinate. With
            // H = 1 that block can hold only gradients below the floor, where no relative test can see 10 %.
            ParameterLayout layout = m.model().layout();
            int largest = layout.recurrentWeights(0);
            for (int i = largest; i < layout.gateBias(0); i++) {
                largest = Math.abs(gradients[i]) > Math.abs(gradients[largest]) ? i : largest;
            }
            if (Math.abs(gradients[largest]) < FLOOR) {
                return;
            }
            blockCases.incrementAndGet();
            float[] blockWrong = gradients.clone();
            for (int i = layout.recurrentWeights(0); i < layout.gateBias(0); i++) {
                blockWrong[i] *= 1.1f;
            }
            int probe = largest;
            assertThrows(AssertionError.class, () -> check.check(parameters, blockWrong, 0, 1, probe, probe + 1, 0)
                    .assertWithin(TOLERANCE));
        });
        assertTrue(blockCases.get() >= 10 || PropertyCases.BASE_SEED != PropertyCases.DEFAULT_SEED,
                "the block check ran in " + blockCases.get() + " of 20 cases");
    }

    static GradientCheck.Report parameterCheck(RandomModels m, RecurrentKernels kernels, long seed) {
        SequencePass bptt = m.pass(kernels);
        float[] gradients = new float[m.model().layout().size()];
        m.lossAndGradients(bptt, gradients, null);
        return new GradientCheck(loss(m, bptt), STEP, FLOOR).check(m.model().parameters(), gradients, 6, 20, seed);
    }

    static GradientCheck.Loss loss(RandomModels m, SequencePass bptt) {
        float[] live = m.model().parameters();
        float[] origin = live.clone();
        return point -> {
            System.arraycopy(point, 0, live, 0, live.length);
            float loss = m.loss(bptt, m.initial());
            System.arraycopy(origin, 0, live, 0, live.length);
            return loss;
        };
    }
}
