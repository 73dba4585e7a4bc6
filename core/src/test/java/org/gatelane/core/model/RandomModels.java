package org.gatelane.core.model;

import java.util.SplittableRandom;

import org.gatelane.kernels.Kernels;
import org.gatelane.kernels.RecurrentKernels;

/** A random model with random inputs, targets and a non-zero initial state, for property tests. */
public record RandomModels(RecurrentModel model, int steps, int streams, int[] symbols, float[] vectors, int[] targets,
                    RecurrentState initial) {

    public static final RecurrentKernels SCALAR = Kernels.scalar();
    public static final RecurrentKernels VECTOR = Kernels.vector();

    /** Sizes deliberately off every vector width: H and V are never multiples of 4; any cell at random. */
    public static RandomModels draw(SplittableRandom random, int maxLayers, int maxStreams, int maxSteps) {
        return draw(random, maxLayers, maxStreams, maxSteps, null);
    }

    /**
     * As {@link #draw(SplittableRandom, int, int, int)} with {@code cell} in every layer, or a cell drawn at random
     * where it is null (at the same point of the draw as always, so that earlier seeds replay the same sizes).
     */
    public static RandomModels draw(SplittableRandom random, int maxLayers, int maxStreams, int maxSteps, Cell fixed) {
        int hidden = 4 * random.nextInt(5) + 1 + 2 * random.nextInt(2);
        int vocabulary = 4 * random.nextInt(4) + 2 + random.nextInt(2);
        int layers = 1 + random.nextInt(maxLayers);
        boolean oneHot = random.nextInt(3) > 0;
        int inputSize = oneHot ? vocabulary : 1 + random.nextInt(9);
        Cell drawn = Cell.values()[random.nextInt(Cell.values().length)];
        Cell cell = fixed != null ? fixed : drawn;
        ModelShape shape = new ModelShape(inputSize, hidden, layers, vocabulary, oneHot, cell);
        RecurrentModel model = RecurrentModel.initialized(shape, random.nextLong());
        // Larger than the default init so that gates are not all near 0.5 and every path carries gradient.
        float[] p = model.parameters();
        for (int i = 0; i < p.length; i++) {
            p[i] *= 1.5f;
        }
        int steps = 1 + random.nextInt(maxSteps);
        int streams = 1 + random.nextInt(maxStreams);
        int positions = steps * streams;
        int[] symbols = oneHot ? new int[positions] : null;
        float[] vectors = oneHot ? null : new float[positions * inputSize];
        int[] targets = new int[positions];
        for (int i = 0; i < positions; i++) {
            if (oneHot) {
                symbols[i] = random.nextInt(inputSize);
            }
            targets[i] = random.nextInt(vocabulary);
        }
        if (!oneHot) {
            for (int i = 0; i < vectors.length; i++) {
                vectors[i] = (float) random.nextDouble(-1, 1);
            }
        }
        RecurrentState initial = RecurrentState.zeros(shape, streams);
        for (int l = 0; l < layers; l++) {
            for (int i = 0; i < streams * hidden; i++) {
                initial.h(l)[i] = (float) random.nextDouble(-0.8, 0.8);
                initial.c(l)[i] = (float) random.nextDouble(-1.5, 1.5);
            }
        }
        return new RandomModels(model, steps, streams, symbols, vectors, targets, initial);
    }

    public SequencePass pass(RecurrentKernels kernels) {
        return new SequencePass(model, kernels, steps, streams);
    }

    public float lossAndGradients(SequencePass bptt, float[] gradients, RecurrentState initialGradients) {
        return symbols != null
                ? bptt.lossAndGradients(symbols, targets, initial, null, gradients, initialGradients)
                : bptt.lossAndGradients(vectors, targets, initial, null, gradients, initialGradients);
    }

    public float loss(SequencePass bptt, RecurrentState from) {
        return symbols != null ? bptt.loss(symbols, targets, from, null) : bptt.loss(vectors, targets, from, null);
    }
}
