package org.gatelane.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.model.Rng;
import org.gatelane.core.text.TextBatches;
import org.gatelane.core.train.GradientClipping;
import org.gatelane.core.train.LearningRateSchedule;
import org.gatelane.core.train.NonFiniteException;
import org.gatelane.core.train.Optimizer;
import org.gatelane.core.train.Trainer;
import org.gatelane.core.train.TrainingEngine;
import org.gatelane.kernels.Kernels;
import org.gatelane.kernels.RecurrentKernels;

import org.apache.spark.api.java.JavaSparkContext;

/**
 * Local SGD with parameter averaging, as DL4J's Spark training did it: the streams are cut into shards (the stream
 * groups, one task each); a round broadcasts the parameters and the optimizer's state, every shard trains on its
 * streams for up to K steps on its own, and the driver averages what comes back (parameters and optimizer state,
 * weighted by each shard's share of the streams, summed in shard order), then takes each shard's carried state.
 *
 * <p>Its relation to single-machine training: with one shard it is that training exactly, for any K, without dropout
 * (a shard's dropout masks come from a generator seeded per round); with K = 1, plain SGD and no clipping, the
 * average of the shards' steps is the step on the shards' summed gradient, up to rounding. Otherwise it is its own
 * method: each shard clips its own gradient, and the shards drift apart for up to K steps between averagings, which
 * is what makes a round cost 1/K of the exchange of a step.
 *
 * <p>A task is a pure function of the broadcast round start and its shard's chunks, so a retried task computes the
 * same result.
 */
public final class ParameterAveraging implements TrainingEngine {

    private final JavaSparkContext spark;
    private final int every;
    private final RecurrentModel model;
    private final RecurrentKernels kernels;
    private final Optimizer optimizer;
    private final LearningRateSchedule schedule;
    private final Trainer.Batching batching;
    private final Rng dropoutRng;
    private final RecurrentState state;
    private final ShardSpec spec;
    private final RoundTiming timing;
    private final TaskHook hook;

    private ParameterAveraging(JavaSparkContext spark, int every, RecurrentModel model, RecurrentKernels kernels,
                               Optimizer optimizer, GradientClipping clipping, LearningRateSchedule schedule,
                               Trainer.Batching batching, Rng dropoutRng, RoundTiming timing, TaskHook hook) {
        if (batching.dropoutFrom() > 0 && batching.dropout() > 0) {
            // A shard trains K steps on its own; its replica would have to know when dropout begins.
            throw new IllegalArgumentException("parameter averaging applies dropout from the first step; it cannot "
                    + "begin dropout at step " + batching.dropoutFrom());
        }
        this.spark = spark;
        this.timing = timing;
        this.hook = hook;
        this.every = every;
        this.model = model;
        this.kernels = kernels;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.batching = batching;
        this.dropoutRng = dropoutRng;
        this.state = RecurrentState.zeros(model.shape(), batching.streams());
        this.spec = ShardSpec.of(model, batching.steps(), batching.dropout(), Kernels.preferred().name(), optimizer,
                clipping);
    }

    /**
     * Engines that average every {@code every} steps over the settings' stream groups, on {@code spark}, adding
     * where each round's time went to {@code timing}.
     *
     * @throws IllegalArgumentException if {@code every} is below 1
     */
    public static Factory factory(JavaSparkContext spark, int every, RoundTiming timing) {
        return factory(spark, every, timing, TaskHook.NONE);
    }

    static Factory factory(JavaSparkContext spark, int every, RoundTiming timing, TaskHook hook) {
        Objects.requireNonNull(spark, "spark");
        if (every < 1) {
            throw new IllegalArgumentException("the averaging interval must be at least 1 step but was " + every);
        }
        Objects.requireNonNull(timing, "timing");
        return (model, kernels, optimizer, clipping, schedule, batching, dropoutRng) -> new ParameterAveraging(spark,
                every, model, kernels, optimizer, clipping, schedule, batching, dropoutRng, timing, hook);
    }

    @Override
    public int roundLength() {
        return every;
    }

    @Override
    public void round(int count, int[][] inputs, int[][] targets, boolean[][] restarts, float[] losses) {
        long started = System.nanoTime();
        long firstStep = optimizer.step();
        float[] rates = new float[count];
        for (int k = 0; k < count; k++) {
            rates[k] = schedule.rate(firstStep + k);
        }
        float[][] optimizerState = optimizer.state();
        float[][] stateCopy = new float[optimizerState.length][];
        for (int i = 0; i < optimizerState.length; i++) {
            stateCopy[i] = optimizerState[i].clone();
        }
        List<ShardRound> shards = shards(count, inputs, targets, restarts);
        ShardSpec shardSpec = spec;
        List<ShardRound.Result> results = RoundJob.run(spark,
                new ShardRound.RoundStart(model.parameters().clone(), stateCopy, firstStep, rates), shards,
                shards.size(), hook, ShardRound::shard, (start, shard) -> ShardReplicas.train(shardSpec, start, shard));
        for (ShardRound.Result result : results) {
            if (result.nonFinite() != null) {
                throw new NonFiniteException("shard " + result.shard() + ": " + result.nonFinite());
            }
        }
        average(results, count, losses);
        timing.add(count, (System.nanoTime() - started) / 1e9,
                results.stream().mapToDouble(ShardRound.Result::computeSeconds).max().orElse(0));
    }

    /** Each shard's streams of the round's chunks, its carried state, and a dropout seed drawn in shard order. */
    private List<ShardRound> shards(int count, int[][] inputs, int[][] targets, boolean[][] restarts) {
        int streams = batching.streams();
        int shards = batching.streamGroups();
        int steps = batching.steps();
        List<ShardRound> rounds = new ArrayList<>(shards);
        for (int s = 0; s < shards; s++) {
            int from = streams * s / shards;
            int to = streams * (s + 1) / shards;
            int width = to - from;
            int[][] shardInputs = new int[count][steps * width];
            int[][] shardTargets = new int[count][steps * width];
            boolean[][] shardRestarts = new boolean[count][];
            for (int k = 0; k < count; k++) {
                TextBatches.copyStreams(inputs[k], streams, from, width, shardInputs[k]);
                TextBatches.copyStreams(targets[k], streams, from, width, shardTargets[k]);
                shardRestarts[k] = Arrays.copyOfRange(restarts[k], from, to);
            }
            RecurrentState initial = RecurrentState.zeros(model.shape(), width);
            RecurrentState.copyStreams(state, from, initial, 0, width);
            rounds.add(new ShardRound(s, from, to, shardInputs, shardTargets, shardRestarts,
                    GroupTask.SerializedState.of(initial), dropoutRng.nextLong()));
        }
        return rounds;
    }

    /** The shards' parameters and optimizer states, weighted by their share of the streams, summed in shard order. */
    private void average(List<ShardRound.Result> results, int count, float[] losses) {
        int streams = batching.streams();
        float[] parameters = model.parameters();
        float[][] optimizerState = new float[optimizer.state().length][parameters.length];
        Arrays.fill(losses, 0, count, 0f);
        Arrays.fill(parameters, 0f);
        for (int s = 0; s < results.size(); s++) {
            ShardRound.Result result = results.get(s);
            int from = streams * s / results.size();
            int to = streams * (s + 1) / results.size();
            float share = (float) (to - from) / streams;
            kernels.axpy(parameters.length, share, result.parameters(), 0, parameters, 0);
            for (int i = 0; i < optimizerState.length; i++) {
                kernels.axpy(parameters.length, share, result.optimizerState()[i], 0, optimizerState[i], 0);
            }
            for (int k = 0; k < count; k++) {
                losses[k] += share * result.losses()[k];
            }
            RecurrentState.copyStreams(result.next().toState(), 0, state, from, to - from);
        }
        optimizer.restore(optimizerState, optimizer.step() + count);
    }

    @Override
    public RecurrentState state() {
        return state;
    }

    @Override
    public Optimizer optimizer() {
        return optimizer;
    }

    @Override
    public Rng dropoutRng() {
        return dropoutRng;
    }

    /** The Spark context is the caller's: it stays open. */
    @Override
    public void close() {
    }
}
