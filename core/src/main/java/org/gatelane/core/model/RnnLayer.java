package org.gatelane.core.model;

import java.util.Arrays;

import org.gatelane.kernels.RecurrentKernels;

/**
 * An RNN layer's recurrence (Elman, tanh): {@code z_t += h_{t-1}·W_h}, then {@code h_t = tanh(z_t)}. Backward, {@code dz = dh·(1 - h²)} from the outputs the forward pass kept, and
 * {@code dz·W_hᵀ} carries to h_{t-1}. It keeps nothing beyond the outputs and pre-activations every layer has.
 */
final class RnnLayer extends RecurrentLayer {

    RnnLayer(RecurrentModel model, RecurrentKernels kernels, int layer, int steps, int streams) {
        super(model, kernels, layer, steps, streams);
    }

    @Override
    void forward(float[] parameters, RecurrentState initial, float[] inputRows, int[] symbols) {
        begin(parameters, initial);
        int stepWidth = streams * hiddenSize;
        for (int t = 0; t < steps; t++) {
            int zAt = t * stepWidth;
            gatherInputs(t, inputRows, symbols);
            recurrentProduct(parameters, t, gates, zAt, true);
            // Stream by stream, not the step's streams as one array: the vector tanh and its scalar tail round
            // differently, so each stream's values must not depend on where it sits among the others.
            for (int b = 0; b < streams; b++) {
                int at = zAt + b * hiddenSize;
                kernels.rnnCellForward(hiddenSize, gates, at, outputs, at + stepWidth);
            }
        }
    }

    @Override
    void backward(float[] parameters, float[] outputGradients, float[] gateGradients, float[] gradients,
                  RecurrentState initialGradients) {
        beginBackward(parameters);
        int stepWidth = streams * hiddenSize;
        for (int t = steps - 1; t >= 0; t--) {
            addCarried(outputGradients, t);
            int at = t * stepWidth;
            kernels.rnnCellBackward(stepWidth, outputs, at + stepWidth, outputGradients, at, gateGradients, at);
            if (carriesBack(t, initialGradients)) {
                recurrentGradientProduct(parameters, gateGradients, at, false);
            }
        }
        if (initialGradients != null) {
            saveInitialOutputGradient(initialGradients);
            Arrays.fill(initialGradients.c(layer), 0f);
        }
        recurrentWeightGradients(gateGradients, gradients);
    }

    @Override
    void saveLast(RecurrentState last) {
        saveLastOutput(last);
    }
}
