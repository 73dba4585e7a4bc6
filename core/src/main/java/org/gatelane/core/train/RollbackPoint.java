package org.gatelane.core.train;

import org.gatelane.core.model.RecurrentModel;

/** The parameters and optimizer state at the last validation, kept in memory for a rollback. */
final class RollbackPoint {
    private final RecurrentModel model;
    private final Optimizer optimizer;
    private final float[] parameters;
    private final float[][] optimizerState;
    private long optimizerStep;

    RollbackPoint(RecurrentModel model, Optimizer optimizer) {
        this.model = model;
        this.optimizer = optimizer;
        this.parameters = new float[model.parameters().length];
        this.optimizerState = new float[optimizer.state().length][parameters.length];
    }

    void take() {
        System.arraycopy(model.parameters(), 0, parameters, 0, parameters.length);
        for (int i = 0; i < optimizerState.length; i++) {
            System.arraycopy(optimizer.state()[i], 0, optimizerState[i], 0, parameters.length);
        }
        optimizerStep = optimizer.step();
    }

    void restore() {
        System.arraycopy(parameters, 0, model.parameters(), 0, parameters.length);
        optimizer.restore(optimizerState, optimizerStep);
    }
}
