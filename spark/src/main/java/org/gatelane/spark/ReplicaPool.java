package org.gatelane.spark;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/**
 * Replicas kept in an executor's JVM between tasks, so that a task borrows the workspace an earlier task of the same
 * part built, whichever of Spark's task threads it runs on. (Kept per thread instead, they were rebuilt whenever
 * Spark handed a part to another thread.) Replicas of another run (another spec) are dropped when a new one arrives.
 *
 * @param <K> what a replica is built for: a run's spec and a part of its streams
 */
final class ReplicaPool<K, R> {

    private final Map<K, Queue<R>> idle = new ConcurrentHashMap<>();
    private final Function<K, Object> run;

    /** @param run the run a key belongs to; replicas of other runs are dropped */
    ReplicaPool(Function<K, Object> run) {
        this.run = run;
    }

    /** An idle replica for {@code key}, or a new one that {@code create} builds. */
    R borrow(K key, Function<K, R> create) {
        Object current = run.apply(key);
        idle.keySet().removeIf(other -> !run.apply(other).equals(current));
        Queue<R> queue = idle.get(key);
        R replica = queue == null ? null : queue.poll();
        return replica != null ? replica : create.apply(key);
    }

    /** Returns a replica, done with, for the next task of its key. */
    void giveBack(K key, R replica) {
        idle.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).add(replica);
    }
}
