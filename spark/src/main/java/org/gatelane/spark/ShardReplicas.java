package org.gatelane.spark;

import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.Rng;
import org.gatelane.core.train.NonFiniteException;
import org.gatelane.core.train.Optimizer;
import org.gatelane.core.train.Trainer;
import org.gatelane.kernels.RecurrentKernels;

/**
 * The task side of parameter averaging: a shard trainer (a model, an optimizer, a {@link Trainer} over the shard's
 * streams and its workspace) per shard, kept in the executor between rounds ({@link ReplicaPool}). A round starts it
 * from the broadcast parameters and optimizer state, so the result depends on nothing it kept: a retried task
 * computes the same.
 */
final class ShardReplicas {

    /** The learning rates of the current round, by optimizer step. */
    private static final class RoundRates implements org.gatelane.core.train.LearningRateSchedule {
        long firstStep;
        float[] rates = new float[0];

        @Override
        public float rate(long step) {
            return rates[(int) (step - firstStep)];
        }
    }

    private record Key(ShardSpec spec, int from, int to) {
    }

    private record Replica(RecurrentModel model, Optimizer optimizer, RoundRates rates, Rng dropout,
                           Trainer trainer) {
    }

    private static final ReplicaPool<Key, Replica> POOL = new ReplicaPool<>(Key::spec);

    private ShardReplicas() {
    }

    /** Trains the shard through its round from {@code start}. */
    static ShardRound.Result train(ShardSpec spec, ShardRound.RoundStart start, ShardRound round) {
        Key key = new Key(spec, round.from(), round.to());
        Replica replica = POOL.borrow(key, ShardReplicas::create);
        try {
            return train(replica, start, round);
        } finally {
            POOL.giveBack(key, replica);
        }
    }

    private static ShardRound.Result train(Replica replica, ShardRound.RoundStart start, ShardRound round) {
        float[] weights = replica.model().parameters();
        System.arraycopy(start.parameters(), 0, weights, 0, weights.length);
        replica.optimizer().restore(start.optimizerState(), start.optimizerStep());
        replica.rates().firstStep = start.optimizerStep();
        replica.rates().rates = start.rates();
        replica.dropout().restore(round.dropoutState());
        Trainer trainer = replica.trainer();
        trainer.state().copyFrom(round.initial().toState());
        int count = round.inputs().length;
        float[] losses = new float[count];
        long started = System.nanoTime();
        try {
            for (int k = 0; k < count; k++) {
                trainer.state().reset(round.restarts()[k]);
                losses[k] = trainer.step(round.inputs()[k], round.targets()[k]);
            }
        } catch (NonFiniteException e) {
            return ShardRound.Result.nonFinite(round.shard(), e.getMessage());
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        float[][] state = replica.optimizer().state();
        float[][] stateCopy = new float[state.length][];
        for (int i = 0; i < state.length; i++) {
            stateCopy[i] = state[i].clone();
        }
        return new ShardRound.Result(round.shard(), weights.clone(), stateCopy,
                GroupTask.SerializedState.of(trainer.state()), losses, seconds, null);
    }

    private static Replica create(Key key) {
        ShardSpec spec = key.spec();
        ReplicaSpec shape = spec.replica();
        RecurrentKernels kernels = shape.requireSameKernels();
        RecurrentModel model = new RecurrentModel(shape.shape(), new float[shape.shape().parameterCount()]);
        Optimizer optimizer = new Optimizer(spec.optimizer(), spec.optimizerSettings(), kernels,
                model.layout().size());
        RoundRates rates = new RoundRates();
        Rng dropout = new Rng(0);
        Trainer trainer = new Trainer(model, kernels, optimizer, spec.gradientClipping(), rates,
                new Trainer.Batching(shape.steps(), key.to() - key.from(), 1, 1, shape.dropout()), dropout);
        return new Replica(model, optimizer, rates, dropout, trainer);
    }
}
