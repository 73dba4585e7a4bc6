package org.gatelane.core;

import java.util.SplittableRandom;

import org.gatelane.kernels.Kernels;
import org.gatelane.kernels.LstmKernels;

/** A random model with random inputs, targets and a non-zero initial state, for property tests. */
record RandomModels(LstmModel model, int steps, int streams, int[] symbols, float[] vectors, int[] targets,
                    LstmState initial) {

    static final LstmKernels SCALAR = Kernels.scalar();
    static final LstmKernels VECTOR = Kernels.vector();

    /** Sizes deliberately off every vector width: H and V are never multiples of 4; LSTM or GRU at random. */
    static RandomModels draw(SplittableRandom random, int maxLayers, int maxStreams, int maxSteps) {
        int hidden = 4 * random.nextInt(5) + 1 + 2 * random.nextInt(2);
        int vocabulary = 4 * random.nextInt(4) + 2 + random.nextInt(2);
        int layers = 1 + random.nextInt(maxLayers);
        boolean oneHot = random.nextInt(3) > 0;
        int inputSize = oneHot ? vocabulary : 1 + random.nextInt(9);
        Cell cell = Cell.values()[random.nextInt(Cell.values().length)];
        LstmShape shape = new LstmShape(inputSize, hidden, layers, vocabulary, oneHot, cell);
        LstmModel model = LstmModel.initialized(shape, random.nextLong());
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
        LstmState initial = LstmState.zeros(shape, streams);
        for (int l = 0; l < layers; l++) {
            for (int i = 0; i < streams * hidden; i++) {
                initial.h(l)[i] = (float) random.nextDouble(-0.8, 0.8);
                initial.c(l)[i] = (float) random.nextDouble(-1.5, 1.5);
            }
        }
        return new RandomModels(model, steps, streams, symbols, vectors, targets, initial);
    }

    Bptt bptt(LstmKernels kernels) {
        return new Bptt(model, kernels, steps, streams);
    }

    float lossAndGradients(Bptt bptt, float[] gradients, LstmState initialGradients) {
        return symbols != null
                ? bptt.lossAndGradients(symbols, targets, initial, null, gradients, initialGradients)
                : bptt.lossAndGradients(vectors, targets, initial, null, gradients, initialGradients);
    }

    float loss(Bptt bptt, LstmState from) {
        return symbols != null ? bptt.loss(symbols, targets, from, null) : bptt.loss(vectors, targets, from, null);
    }
}
