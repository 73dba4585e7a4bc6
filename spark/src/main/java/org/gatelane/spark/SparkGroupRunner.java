package org.gatelane.spark;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.gatelane.core.train.GroupRunner;
import org.gatelane.core.train.StreamGroup;
import org.gatelane.kernels.Kernels;

import org.apache.spark.api.java.JavaSparkContext;

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

    private final JavaSparkContext spark;
    private final int tasks;
    private final String kernels = Kernels.preferred().name();
    private final TaskHook hook;
    private final RoundTiming timing;

    /**
     * @param tasks  how many tasks a step's groups are spread over (at most one per group)
     * @param timing receives where each step's time went
     */
    public SparkGroupRunner(JavaSparkContext spark, int tasks, RoundTiming timing) {
        this(spark, tasks, timing, TaskHook.NONE);
    }

    SparkGroupRunner(JavaSparkContext spark, int tasks, RoundTiming timing, TaskHook hook) {
        if (tasks < 1) {
            throw new IllegalArgumentException("tasks must be at least 1 but was " + tasks);
        }
        this.spark = Objects.requireNonNull(spark, "spark");
        this.tasks = tasks;
        this.hook = hook;
        this.timing = Objects.requireNonNull(timing, "timing");
    }

    @Override
    public void run(List<StreamGroup> groups) {
        long started = System.nanoTime();
        StreamGroup first = groups.getFirst();
        ReplicaSpec spec = ReplicaSpec.of(first, kernels);
        List<GroupTask> work = groups.stream().map(GroupTask::of).toList();
        int slices = Math.min(tasks, work.size());
        List<GroupResult> results = RoundJob.run(spark, first.model().parameters().clone(), work, slices, hook,
                GroupTask::index, (parameters, task) -> Replicas.compute(spec, parameters, task));
        double[] perTask = new double[slices];
        for (GroupResult result : results) {
            result.deliverTo(groups.get(result.index()));
            perTask[sliceOf(result.index(), work.size(), slices)] += result.computeSeconds();
        }
        timing.add(1, (System.nanoTime() - started) / 1e9, Arrays.stream(perTask).max().orElse(0));
    }

    /** The slice Spark puts element {@code i} of {@code n} in when it cuts them into {@code slices} (contiguous). */
    private static int sliceOf(int i, int n, int slices) {
        int slice = 0;
        while ((long) (slice + 1) * n / slices <= i) {
            slice++;
        }
        return slice;
    }

    /** The Spark context is the caller's: it stays open. */
    @Override
    public void close() {
    }
}
