package org.gatelane.spark;

import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.train.StreamGroup;
import org.gatelane.kernels.RecurrentKernels;

/**
 * The task side of the exact scheme: a replica (a model and a stream group with its workspace) per group, kept in
 * the executor between steps ({@link ReplicaPool}), loaded with each step's parameters and chunk.
 */
final class Replicas {

    private record Key(ReplicaSpec spec, int index, int from, int to) {
    }

    private record Replica(RecurrentModel model, StreamGroup group) {
    }

    private static final ReplicaPool<Key, Replica> POOL = new ReplicaPool<>(Key::spec);

    private Replicas() {
    }

    /**
     * Computes {@code task}'s group on {@code parameters}, exactly as the driver's group would be computed.
     *
     * @throws IllegalStateException if this JVM computes with other kernels than the driver
     */
    static GroupResult compute(ReplicaSpec spec, float[] parameters, GroupTask task) {
        Key key = new Key(spec, task.index(), task.from(), task.to());
        Replica replica = POOL.borrow(key, Replicas::create);
        try {
            return compute(replica, parameters, task);
        } finally {
            POOL.giveBack(key, replica);
        }
    }

    private static GroupResult compute(Replica replica, float[] parameters, GroupTask task) {
        float[] weights = replica.model().parameters();
        System.arraycopy(parameters, 0, weights, 0, weights.length);
        StreamGroup group = replica.group();
        group.load(task.inputs(), task.targets(), task.initial().toState(), task.dropoutRngState(),
                task.dropping());
        long started = System.nanoTime();
        group.compute();
        return GroupResult.of(group, (System.nanoTime() - started) / 1e9);
    }

    private static Replica create(Key key) {
        ReplicaSpec spec = key.spec();
        RecurrentKernels kernels = spec.requireSameKernels();
        RecurrentModel model = new RecurrentModel(spec.shape(), new float[spec.shape().parameterCount()]);
        StreamGroup group = new StreamGroup(model, kernels, spec.steps(), key.index(), key.from(), key.to(),
                spec.dropout());
        return new Replica(model, group);
    }
}
