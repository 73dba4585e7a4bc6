package org.gatelane.spark;

import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.train.StreamGroup;
import org.gatelane.kernels.RecurrentKernels;

/**
 * The task side: each task thread keeps one replica (a model and a stream group with its workspace) and reuses it
 * from step to step while the spec and the group's streams stay the same, so that a step allocates its workspace
 * once per thread rather than once per task.
 */
final class Replicas {

    private record Replica(ReplicaSpec spec, int index, int from, int to, RecurrentModel model, StreamGroup group) {

        boolean serves(ReplicaSpec wanted, GroupTask task) {
            return spec.equals(wanted) && index == task.index() && from == task.from() && to == task.to();
        }
    }

    private static final ThreadLocal<Replica> REPLICA = new ThreadLocal<>();

    private Replicas() {
    }

    /**
     * Computes {@code task}'s group on {@code parameters}, exactly as the driver's group would be computed.
     *
     * @throws IllegalStateException if this JVM computes with other kernels than the driver
     */
    static GroupResult compute(ReplicaSpec spec, float[] parameters, GroupTask task) {
        Replica replica = REPLICA.get();
        if (replica == null || !replica.serves(spec, task)) {
            REPLICA.remove(); // let the old workspace go before the new one is allocated
            replica = create(spec, task);
            REPLICA.set(replica);
        }
        float[] weights = replica.model().parameters();
        System.arraycopy(parameters, 0, weights, 0, weights.length);
        StreamGroup group = replica.group();
        group.load(task.inputs(), task.targets(), task.initial().toState(), task.dropoutRngState());
        long started = System.nanoTime();
        group.compute();
        return GroupResult.of(group, (System.nanoTime() - started) / 1e9);
    }

    private static Replica create(ReplicaSpec spec, GroupTask task) {
        RecurrentKernels kernels = spec.requireSameKernels();
        RecurrentModel model = new RecurrentModel(spec.shape(), new float[spec.shape().parameterCount()]);
        StreamGroup group = new StreamGroup(model, kernels, spec.steps(), task.index(), task.from(), task.to(),
                spec.dropout());
        return new Replica(spec, task.index(), task.from(), task.to(), model, group);
    }
}
