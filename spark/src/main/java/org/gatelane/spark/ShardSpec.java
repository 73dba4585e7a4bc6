package org.gatelane.spark;

import java.io.Serial;
import java.io.Serializable;

import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.train.GradientClipping;
import org.gatelane.core.train.Optimizer;

/**
 * What a task's replica of a shard is built from: the model's shape, the chunk's steps, dropout, the kernels the
 * driver computes with, and the optimizer and clipping each shard steps with between averagings.
 */
record ShardSpec(ReplicaSpec replica, Optimizer.Kind optimizer, float momentum, float decay, float beta1, float beta2,
                 float epsilon, float weightDecay, GradientClipping.Mode clipping, float clipLimit)
        implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    static ShardSpec of(RecurrentModel model, int steps, float dropout, String kernels, Optimizer optimizer,
                        GradientClipping clipping) {
        Optimizer.Settings o = optimizer.settings();
        return new ShardSpec(ReplicaSpec.of(model.shape(), steps, dropout, kernels), optimizer.kind(), o.momentum(),
                o.decay(), o.beta1(), o.beta2(), o.epsilon(), o.weightDecay(), clipping.mode(), clipping.limit());
    }

    Optimizer.Settings optimizerSettings() {
        return new Optimizer.Settings(momentum, decay, beta1, beta2, epsilon, weightDecay);
    }

    GradientClipping gradientClipping() {
        return new GradientClipping(clipping, clipLimit);
    }
}
