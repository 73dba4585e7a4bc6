package org.gatelane.core.model;

import java.util.Arrays;

import org.gatelane.kernels.RecurrentKernels;

/** An LSTM layer's recurrence: {@code z_t += h_{t-1}·W_h}, then the fused cell on (z_t, c_{t-1}). */
final class LstmLayer extends RecurrentLayer {

    /** c per step, with the initial c in the leading step slot as in {@link #outputs}. */
    private final float[] cells;
    private final float[] squashedCells;
    private final float[] carriedCellGradient;

    LstmLayer(RecurrentModel model, RecurrentKernels kernels, int layer, int steps, int streams) {
        super(model, kernels, layer, steps, streams);
        cells = new float[(positions + streams) * hiddenSize];
        squashedCells = new float[positions * hiddenSize];
        carriedCellGradient = new float[streams * hiddenSize];
    }

    @Override
    void forward(float[] parameters, RecurrentState initial, float[] inputRows, int[] symbols) {
        begin(parameters, initial);
        int stepWidth = streams * hiddenSize;
        System.arraycopy(initial.c(layer), 0, cells, 0, stepWidth);
        for (int t = 0; t < steps; t++) {
            int zAt = t * streams * gateWidth;
            gatherInputs(t, inputRows, symbols);
            recurrentProduct(parameters, t, gates, zAt, true);
            for (int b = 0; b < streams; b++) {
                int at = t * stepWidth + b * hiddenSize;
                kernels.lstmCellForward(hiddenSize, gates, zAt + b * gateWidth, cells, at, cells, at + stepWidth,
                        squashedCells, at, outputs, at + stepWidth);
            }
        }
    }

    @Override
    void backward(float[] parameters, float[] outputGradients, float[] gateGradients, float[] gradients,
                  RecurrentState initialGradients) {
        beginBackward(parameters);
        Arrays.fill(carriedCellGradient, 0f);
        for (int t = steps - 1; t >= 0; t--) {
            addCarried(outputGradients, t);
            for (int b = 0; b < streams; b++) {
                int at = (t * streams + b) * hiddenSize;
                int zAt = (t * streams + b) * gateWidth;
                kernels.lstmCellBackward(hiddenSize, gates, zAt, cells, at, squashedCells, at, outputGradients, at,
                        carriedCellGradient, b * hiddenSize, gateGradients, zAt, carriedCellGradient, b * hiddenSize);
            }
            if (carriesBack(t, initialGradients)) {
                recurrentGradientProduct(parameters, gateGradients, t * streams * gateWidth, false);
            }
        }
        if (initialGradients != null) {
            saveInitialOutputGradient(initialGradients);
            System.arraycopy(carriedCellGradient, 0, initialGradients.c(layer), 0, carriedCellGradient.length);
        }
        recurrentWeightGradients(gateGradients, gradients);
    }

    @Override
    void saveLast(RecurrentState last) {
        saveLastOutput(last);
        System.arraycopy(cells, positions * hiddenSize, last.c(layer), 0, streams * hiddenSize);
    }
}
