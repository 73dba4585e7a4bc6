package org.gatelane.core.infer;

import static org.gatelane.testing.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gatelane.core.model.Cell;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RandomModels;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.model.Rng;
import org.gatelane.core.model.SequencePass;
import org.gatelane.testing.PropertyCases;

import org.junit.jupiter.api.Test;

/** The stateful sampler agrees with the training forward pass, for any depth, and draws as documented. */
class SamplerTest {

    @Test
    void feedingASequenceScoresItAsTheForwardPassDoes() {
        PropertyCases.check("sampler-matches-bptt", 40, random -> {
            int vocabulary = 2 + random.nextInt(12);
            ModelShape shape = ModelShape.characterModel(vocabulary, 1 + random.nextInt(20), 1 + random.nextInt(3))
                    .withCell(Cell.values()[random.nextInt(Cell.values().length)]);
            RecurrentModel model = RecurrentModel.initialized(shape, random.nextLong());
            int steps = 1 + random.nextInt(30);
            int[] symbols = new int[steps + 1];
            for (int i = 0; i < symbols.length; i++) {
                symbols[i] = random.nextInt(vocabulary);
            }
            Sampler sampler = new Sampler(model, RandomModels.VECTOR);
            double total = 0;
            for (int t = 0; t < steps; t++) {
                total += crossEntropy(sampler.feed(symbols[t]), symbols[t + 1]);
            }
            int[] inputs = java.util.Arrays.copyOfRange(symbols, 0, steps);
            int[] targets = java.util.Arrays.copyOfRange(symbols, 1, steps + 1);
            float expected = new SequencePass(model, RandomModels.VECTOR, steps, 1).loss(inputs, targets,
                    RecurrentState.zeros(shape, 1), null);
            assertClose("mean loss", expected, total / steps, 1e-5, 1e-5);
        });
    }

    @Test
    void denseModelsAreFedVectorsAndAgreeWithTheForwardPass() {
        PropertyCases.check("sampler-dense-matches-bptt", 20, random -> {
            ModelShape shape = new ModelShape(1 + random.nextInt(7), 1 + random.nextInt(12), 1 + random.nextInt(3),
                    2 + random.nextInt(6), false, Cell.values()[random.nextInt(Cell.values().length)]);
            RecurrentModel model = RecurrentModel.initialized(shape, random.nextLong());
            int steps = 1 + random.nextInt(10);
            float[] vectors = new float[steps * shape.inputSize()];
            int[] targets = new int[steps];
            for (int i = 0; i < vectors.length; i++) {
                vectors[i] = (float) random.nextDouble(-1, 1);
            }
            Sampler sampler = new Sampler(model, RandomModels.VECTOR);
            double total = 0;
            for (int t = 0; t < steps; t++) {
                targets[t] = random.nextInt(shape.outputSize());
                total += crossEntropy(sampler.feed(java.util.Arrays.copyOfRange(vectors, t * shape.inputSize(),
                        (t + 1) * shape.inputSize())), targets[t]);
            }
            float expected = new SequencePass(model, RandomModels.VECTOR, steps, 1).loss(vectors, targets,
                    RecurrentState.zeros(shape, 1), null);
            assertClose("mean loss", expected, total / steps, 1e-5, 1e-5);
        });
    }

    /** -log softmax(logits)[target] in double precision. */
    private static double crossEntropy(float[] logits, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double sum = 0;
        for (float logit : logits) {
            sum += Math.exp(logit - max);
        }
        return max + Math.log(sum) - logits[target];
    }

    @Test
    void greedyTopKAndTopPDrawAsDocumented() {
        RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(6, 4, 1), 5);
        Sampler sampler = new Sampler(model, RandomModels.VECTOR);
        float[] logits = {0.1f, 3f, 2.5f, -1f, 0f, 2.9f};
        Rng rng = new Rng(11);
        assertEquals(1, sampler.draw(logits, 0f, 0, 1f, rng), "temperature 0 is greedy");
        int[] counts = new int[6];
        for (int i = 0; i < 3000; i++) {
            assertEquals(1, sampler.draw(logits, 1f, 1, 1f, rng), "top-k 1 is greedy");
            assertEquals(1, sampler.draw(logits, 1f, 0, 1e-6f, rng), "a tiny top-p is greedy");
            counts[sampler.draw(logits, 1f, 2, 1f, rng)]++;
        }
        assertEquals(3000, counts[1] + counts[5], "top-k 2 draws only the two most likely");
        assertTrue(counts[1] > counts[5] && counts[5] > 1000, "in proportion to their probabilities");
    }

    /**
     * Without top-k or top-p a draw follows softmax(logits / temperature): counts within five standard deviations
     * of their expectation at three temperatures, and a symbol whose probability is 0 in float never drawn.
     */
    @Test
    void drawsFollowTheSoftmaxAtTheirTemperature() {
        Sampler sampler = new Sampler(RecurrentModel.initialized(ModelShape.characterModel(6, 4, 1), 5),
                RandomModels.VECTOR);
        float[] logits = {0.1f, 3f, 2.5f, -300f, 0f, 2.9f};
        Rng rng = new Rng(29);
        int draws = 20_000;
        for (float temperature : new float[] {0.5f, 1f, 2.5f}) {
            double[] weights = new double[logits.length];
            double sum = 0;
            for (int i = 0; i < logits.length; i++) {
                weights[i] = Math.exp(logits[i] / temperature);
                sum += weights[i];
            }
            int[] counts = new int[logits.length];
            for (int i = 0; i < draws; i++) {
                counts[sampler.draw(logits, temperature, 0, 1f, rng)]++;
            }
            assertEquals(0, counts[3], "a symbol of probability 0 at temperature " + temperature);
            for (int i = 0; i < logits.length; i++) {
                double p = weights[i] / sum;
                double expected = draws * p;
                double sigma = Math.sqrt(draws * p * (1 - p));
                assertTrue(Math.abs(counts[i] - expected) <= 5 * sigma + 1e-9, "symbol " + i + " at temperature "
                        + temperature + ": " + counts[i] + " draws against " + expected + " expected");
            }
        }
    }

    /**
     * Top-p keeps the smallest set whose mass reaches p: with two equally likely symbols (exactly 0.5 each, as
     * exp(0) is exact), p = 0.5 is reached by the first alone, so every draw is that symbol.
     */
    @Test
    void topPStopsAtTheSymbolWhoseMassReachesP() {
        Sampler sampler = new Sampler(RecurrentModel.initialized(ModelShape.characterModel(2, 3, 1), 1), RandomModels.SCALAR);
        float[] logits = {0f, 0f};
        Rng rng = new Rng(3);
        int first = sampler.draw(logits, 1f, 0, 0.5f, rng);
        for (int i = 0; i < 200; i++) {
            assertEquals(first, sampler.draw(logits, 1f, 0, 0.5f, rng), "draw " + i);
        }
        int[] counts = new int[2];
        for (int i = 0; i < 200; i++) {
            counts[sampler.draw(logits, 1f, 0, 0.75f, rng)]++;
        }
        assertTrue(counts[0] > 50 && counts[1] > 50, "p = 0.75 needs both: " + java.util.Arrays.toString(counts));
    }
}
