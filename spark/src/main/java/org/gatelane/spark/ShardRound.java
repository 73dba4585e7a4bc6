package org.gatelane.spark;

import java.io.Serial;
import java.io.Serializable;

/**
 * One shard's part of an averaging round, sent to its task; the parameters and optimizer state of the round's start
 * go by broadcast ({@link RoundStart}).
 *
 * @param inputs       the shard's slice of each chunk, time-major {@code [steps x width]}
 * @param restarts     per chunk, which of the shard's streams start again from zeros before it
 * @param dropoutState the state the shard's dropout generator starts the round from
 */
record ShardRound(int shard, int from, int to, int[][] inputs, int[][] targets, boolean[][] restarts,
                  GroupTask.SerializedState initial, long dropoutState) implements Serializable {

    @Serial
    private static final long serialVersionUID = 2L;

    /**
     * The start of a round, the same for every shard: the parameters, the optimizer's state and step, and the
     * learning rate of each of the round's steps.
     */
    record RoundStart(float[] parameters, float[][] optimizerState, long optimizerStep, float[] rates)
            implements Serializable {

        @Serial
        private static final long serialVersionUID = 1L;
    }

    /**
     * What a shard's task sends back: its parameters, optimizer state and carried state after the round, each
     * chunk's loss, the seconds it computed for; or, if a step was not finite, why (and nothing else).
     */
    record Result(int shard, float[] parameters, float[][] optimizerState, GroupTask.SerializedState next,
                  float[] losses, double computeSeconds, String nonFinite) implements Serializable {

        @Serial
        private static final long serialVersionUID = 1L;

        static Result nonFinite(int shard, String why) {
            return new Result(shard, null, null, null, null, 0, why);
        }
    }
}
