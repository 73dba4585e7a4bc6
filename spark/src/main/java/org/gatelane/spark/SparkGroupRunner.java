package org.gatelane.spark;

import java.io.Serial;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.gatelane.core.train.GroupRunner;
import org.gatelane.core.train.StreamGroup;
import org.gatelane.kernels.Kernels;

/**
 * Computes a step's stream groups on a Spark cluster: one job per step, whose tasks each compute a contiguous run
 * of the groups on the parameters broadcast for that step and send back each group's loss, gradient and next state.
 * The driver's trainer then sums the gradients in group order, clips and updates, exactly as on one machine: the
 * parameters after any number of steps are bit-identical to single-machine training with the same stream groups.
 *
 * <p>A task is a pure function of the broadcast parameters and its groups' chunks, so a failed task that Spark
 * retries computes the same result, and the run goes on as if nothing had failed.
 */
public final class SparkGroupRunner implements GroupRunner {

    /** Run in each task before its groups are computed; a test's way to make an attempt fail. */
    interface TaskHook extends Serializable {
        void beforeCompute(int groupIndex);
    }

    /** Where the time of the steps went, summed over the steps so far. */
    public record Timing(long steps, double roundSeconds, double computeSeconds, double slowestTaskSeconds) {

        /**
         * Seconds per step spent outside the groups' computation: broadcasting, scheduling, serializing and
         * collecting (a step's round less its slowest task's computation).
         */
        public double overheadPerStep() {
            return steps == 0 ? 0 : (roundSeconds - slowestTaskSeconds) / steps;
        }
    }

    private static final TaskHook NO_HOOK = groupIndex -> { };

    private final JavaSparkContext spark;
    private final int tasks;
    private final String kernels = Kernels.preferred().name();
    private final TaskHook hook;
    private long steps;
    private double roundSeconds;
    private double computeSeconds;
    private double slowestTaskSeconds;

    /**
     * @param tasks how many tasks a step's groups are spread over (at most one per group)
     */
    public SparkGroupRunner(JavaSparkContext spark, int tasks) {
        this(spark, tasks, NO_HOOK);
    }

    SparkGroupRunner(JavaSparkContext spark, int tasks, TaskHook hook) {
        if (tasks < 1) {
            throw new IllegalArgumentException("tasks must be at least 1 but was " + tasks);
        }
        this.spark = Objects.requireNonNull(spark, "spark");
        this.tasks = tasks;
        this.hook = hook;
    }

    @Override
    public void run(List<StreamGroup> groups) {
        long started = System.nanoTime();
        StreamGroup first = groups.getFirst();
        ReplicaSpec spec = ReplicaSpec.of(first, kernels);
        List<GroupTask> work = groups.stream().map(GroupTask::of).toList();
        // A copy: in local mode a broadcast value is the very object given, and the trainer updates its parameters.
        Broadcast<float[]> parameters = spark.broadcast(first.model().parameters().clone());
        TaskHook taskHook = hook;
        List<GroupResult> results;
        try {
            results = spark.parallelize(work, Math.min(tasks, work.size()))
                    .map(task -> {
                        taskHook.beforeCompute(task.index());
                        return Replicas.compute(spec, parameters.value(), task);
                    })
                    .collect();
        } finally {
            parameters.destroy();
        }
        int slices = Math.min(tasks, work.size());
        double[] perTask = new double[slices];
        for (GroupResult result : results) {
            result.deliverTo(groups.get(result.index()));
            computeSeconds += result.computeSeconds();
            perTask[sliceOf(result.index(), work.size(), slices)] += result.computeSeconds();
        }
        steps++;
        slowestTaskSeconds += Arrays.stream(perTask).max().orElse(0);
        roundSeconds += (System.nanoTime() - started) / 1e9;
    }

    /** The slice Spark puts element {@code i} of {@code n} in when it cuts them into {@code slices} (contiguous). */
    private static int sliceOf(int i, int n, int slices) {
        int slice = 0;
        while ((long) (slice + 1) * n / slices <= i) {
            slice++;
        }
        return slice;
    }

    /** Where the time of the steps so far went. */
    public Timing timing() {
        return new Timing(steps, roundSeconds, computeSeconds, slowestTaskSeconds);
    }

    /** The Spark context is the caller's: it stays open. */
    @Override
    public void close() {
    }
}
