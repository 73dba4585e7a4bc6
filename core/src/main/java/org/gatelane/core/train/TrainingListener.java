package org.gatelane.core.train;

import java.nio.file.Path;

import org.gatelane.core.infer.Evaluation;

/**
 * What a {@link TrainingLoop} reports as it runs: a console, a loss history, a server's metrics or a cluster
 * driver each listen for what they show. Every method does nothing by default; they run on the training thread,
 * between iterations, so a slow listener slows training. An exception thrown here ends the run (the last
 * checkpoint stays as it was).
 */
public interface TrainingListener {

    /** The loop is about to run iterations {@code firstIteration} to {@code lastIteration}. */
    default void started(TrainingLoop loop, long firstIteration, long lastIteration) {
    }

    /** An iteration finished with {@code loss} (nats per character) on its chunk. */
    default void iterated(long iteration, float loss, double smoothedLoss, double trainedSeconds) {
    }

    /** The loss at the {@linkplain TrainingLoop.Cadence#logEvery() log cadence}. */
    default void logged(long iteration, float loss, double smoothedLoss, double trainedSeconds) {
    }

    /** A sample drawn from the model at the {@linkplain TrainingLoop.Cadence#sampleEvery() sample cadence}. */
    default void sampled(long iteration, double smoothedLoss, String text) {
    }

    /** The validation text was scored (before the checkpoint it belongs to is written). */
    default void validated(long iteration, double trainedSeconds, Evaluation score, boolean best) {
    }

    /**
     * A checkpoint was written to {@code file}, and also to {@code bestFile} if the validation was the best so
     * far ({@code bestFile} is null otherwise); {@code score} is null without a validation text.
     */
    default void checkpointed(long iteration, Evaluation score, Path file, Path bestFile) {
    }

    /**
     * A step produced a NaN or an infinity; the model went back to the last validation and the rate was halved.
     *
     * @param reason what was not finite
     * @param rate   the learning rate from now on
     */
    default void rolledBack(long iteration, String reason, double rate, int rollback, int maxRollbacks) {
    }

    /** Early stopping ended the run: {@code patience} validations without improvement; the best is {@code bestFile}. */
    default void stoppedEarly(long iteration, int patience, Path bestFile) {
    }

    /** The time budget of {@code seconds} is spent; the run ends with a validation and a checkpoint. */
    default void timeSpent(long iteration, double seconds) {
    }

    /** A stop was requested; the run was saved to {@code file} and can be resumed. */
    default void interrupted(long iteration, Path file) {
    }

    /** The run reached its last iteration, or stopped early. */
    default void finished(long iteration) {
    }
}
