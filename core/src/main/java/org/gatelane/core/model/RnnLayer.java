package org.gatelane.core.model;

import java.util.Arrays;

import org.gatelane.kernels.RecurrentKernels;

/**
 * An RNN layer's recurrence (Elman, tanh): {@code z_t += h_{t-1}·W_h}, then {@code h_t = tanh(z_t)} for all
 * streams of the step at once. Backward, {@code dz = dh·(1 - h²)} from the outputs the forward pass kept, and
 * {@code dz·W_hᵀ} carries to h_{t-1}. It keeps nothing beyond the outputs and pre-activations every layer has.
 */
final class RnnLayer extends RecurrentLayer {

    RnnLayer(RecurrentModel model, RecurrentKernels kernels, int layer, int steps, int streams) {
        super(model, kernels, layer, steps, streams);
    }

    @Override
    void forward(float[] parameters, RecurrentState initial) {
        begin(parameters, initial);
        int stepWidth = streams * hiddenSize;
        for (int t = 0; t < steps; t++) {
            int zAt = t * stepWidth;
            recurrentProduct(parameters, t, gates, zAt, true);
            kernels.rnnCellForward(stepWidth, gates, zAt, outputs, zAt + stepWidth);
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
            recurrentGradientProduct(parameters, gateGradients, at, false);
        }
        if (initialGradients != null) {
            saveInitialOutputGradient(initialGradients);
            Arrays.fill(initialGradients.c(layer), 0f);
        }
        recurrentWeightGradients(gateGradients, gradients);
        sumRows(gateGradients, gateWidth, 0, gateWidth, gradients, layout.gateBias(layer));
    }

    @Override
    void saveLast(RecurrentState last) {
        saveLastOutput(last);
    }
}
