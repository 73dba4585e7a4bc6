package org.gatelane.core.io;

import java.util.Objects;

import org.gatelane.core.model.RecurrentState;

/**
 * Everything of a training run besides its model and settings that a resume needs to continue exactly where the
 * run stopped, each piece typed: the optimizer, the data cursor, the carried state, both generators and the
 * schedule.
 *
 * @param iteration       training iterations done
 * @param optimizerState  the optimizer's state arrays, each as long as the parameters (none for plain SGD)
 * @param optimizerStep   updates the optimizer has made (Adam's bias correction counts them)
 * @param dataCursor      where the next chunk starts in every stream, in characters from the stream's start
 * @param epoch           passes over the training text completed
 * @param carriedState    the recurrent state carried into the next chunk
 * @param sampleRngState  the generator of the samples printed during training
 * @param dropoutRngState the generator of the dropout masks, which changes the training arithmetic
 * @param schedule        the learning-rate schedule's and early stopping's state
 * @param smoothedLoss    the smoothed training loss shown to the user, NaN before the first iteration
 * @param trainedSeconds  wall time spent training, validations and checkpoints excluded
 * @param rollbacks       rollbacks since the last successful validation
 * @param trainingLength  characters of the text the run trains on, or {@link #UNRECORDED} (files before format 4
 *                        that predate the check)
 * @param trainingFingerprint   the training text's {@code Corpus.fingerprint}, or {@link #UNRECORDED} before
 *                              format 4
 * @param validationFingerprint the validation text's, 0 without one, {@link #UNRECORDED} before format 4
 * @param budgetSpentSeconds    wall time of the run's time budget spent so far, start-up included
 */
public record RunState(long iteration, float[][] optimizerState, long optimizerStep, int dataCursor, long epoch,
                       RecurrentState carriedState, long sampleRngState, long dropoutRngState, Schedule schedule,
                       double smoothedLoss, double trainedSeconds, int rollbacks, long trainingLength,
                       long trainingFingerprint, long validationFingerprint, double budgetSpentSeconds) {

    /** A length or a fingerprint that an older checkpoint did not record (no CRC-32C is negative). */
    public static final long UNRECORDED = -1;

    public RunState {
        Objects.requireNonNull(optimizerState, "optimizerState");
        Objects.requireNonNull(carriedState, "carriedState");
        Objects.requireNonNull(schedule, "schedule");
    }

    /**
     * The learning-rate schedule's state and early stopping's record.
     *
     * @param rateMultiplier       what decays and rollbacks have multiplied the rate by
     * @param bestValidation       the best validation loss so far in nats, infinity before the first
     * @param validationsSinceBest validations since the best one
     * @param validationsSinceDecay validations since the plateau schedule last decayed
     */
    public record Schedule(float rateMultiplier, double bestValidation, int validationsSinceBest,
                           int validationsSinceDecay) {

        /** A schedule that has not validated yet. */
        public static final Schedule START = new Schedule(1f, Double.POSITIVE_INFINITY, 0, 0);
    }
}
