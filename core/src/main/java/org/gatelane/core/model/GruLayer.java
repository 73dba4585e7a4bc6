package org.gatelane.core.model;

import java.util.Arrays;

import org.gatelane.kernels.RecurrentKernels;

/**
 * A GRU layer's recurrence: {@code u_t = h_{t-1}·W_h} kept apart from the input side (the reset gate multiplies
 * n's part of it), then the fused cell. Backward, the cell splits dL/dz into the input side's gradient and
 * u's, whose product with {@code W_hᵀ} joins the direct path {@code dh·z} to h_{t-1}.
 */
final class GruLayer extends RecurrentLayer {

    /** u per position {@code [G]}, n's block with {@code b_hn} added by the cell. */
    private final float[] recurrent;
    private final float[] recurrentGradients;

    GruLayer(RecurrentModel model, RecurrentKernels kernels, int layer, int steps, int streams) {
        super(model, kernels, layer, steps, streams);
        recurrent = new float[positions * gateWidth];
        recurrentGradients = new float[positions * gateWidth];
    }

    @Override
    void forward(float[] parameters, RecurrentState initial, float[] inputRows, int[] symbols) {
        begin(parameters, initial);
        int stepWidth = streams * hiddenSize;
        int bias = layout.candidateRecurrentBias(layer);
        for (int t = 0; t < steps; t++) {
            int zAt = t * streams * gateWidth;
            gatherInputs(t, inputRows, symbols);
            recurrentProduct(parameters, t, recurrent, zAt, false);
            for (int b = 0; b < streams; b++) {
                int at = t * stepWidth + b * hiddenSize;
                int gateAt = zAt + b * gateWidth;
                kernels.gruCellForward(hiddenSize, gates, gateAt, recurrent, gateAt, parameters, bias, outputs, at,
                        outputs, at + stepWidth);
            }
        }
    }

    @Override
    void backward(float[] parameters, float[] outputGradients, float[] gateGradients, float[] gradients,
                  RecurrentState initialGradients) {
        beginBackward(parameters);
        for (int t = steps - 1; t >= 0; t--) {
            addCarried(outputGradients, t);
            for (int b = 0; b < streams; b++) {
                int at = (t * streams + b) * hiddenSize;
                int gateAt = (t * streams + b) * gateWidth;
                kernels.gruCellBackward(hiddenSize, gates, gateAt, recurrent, gateAt, outputs, at, outputGradients, at,
                        gateGradients, gateAt, recurrentGradients, gateAt, carriedOutputGradient, b * hiddenSize);
            }
            if (carriesBack(t, initialGradients)) {
                recurrentGradientProduct(parameters, recurrentGradients, t * streams * gateWidth, true);
            }
        }
        if (initialGradients != null) {
            saveInitialOutputGradient(initialGradients);
            Arrays.fill(initialGradients.c(layer), 0f);
        }
        recurrentWeightGradients(recurrentGradients, gradients);
        sumRows(recurrentGradients, gateWidth, 2 * hiddenSize, hiddenSize, gradients,
                layout.candidateRecurrentBias(layer));
    }

    @Override
    void saveLast(RecurrentState last) {
        saveLastOutput(last);
    }
}
