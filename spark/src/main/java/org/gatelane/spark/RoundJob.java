package org.gatelane.spark;

import java.io.Serializable;
import java.util.List;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * One Spark job of a training step or round, as both schemes run it: what every task shares goes out by broadcast,
 * each part (a group, a shard) is computed by a task after the test hook, the results come back in part order, and
 * the broadcast is destroyed whatever happened.
 */
final class RoundJob {

    /** A part's computation on the shared value; runs in a task. */
    @FunctionalInterface
    interface Work<S, P, R> extends Serializable {
        R compute(S shared, P part);
    }

    /** The index a part is known by to the hook. */
    @FunctionalInterface
    interface Index<P> extends Serializable {
        int of(P part);
    }

    private RoundJob() {
    }

    /**
     * @param shared sent once by broadcast; in local mode the tasks see this very object, so pass a copy of anything
     *               the driver changes afterwards
     * @param slices how many tasks the parts are cut into, contiguously
     */
    static <S, P, R> List<R> run(JavaSparkContext spark, S shared, List<P> parts, int slices, TaskHook hook,
                                 Index<P> index, Work<S, P, R> work) {
        Broadcast<S> broadcast = spark.broadcast(shared);
        try {
            return spark.parallelize(parts, slices)
                    .map(part -> {
                        hook.beforeCompute(index.of(part));
                        return work.compute(broadcast.value(), part);
                    })
                    .collect();
        } finally {
            broadcast.destroy();
        }
    }
}
