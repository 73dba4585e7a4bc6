package org.gatelane.core.train;

/** The learning rate as a function of the 0-based training step. */
@FunctionalInterface
public interface LearningRateSchedule {

    float rate(long step);

    static LearningRateSchedule constant(float rate) {
        return step -> rate;
    }

    /** {@code rate · factor^⌊step / every⌋}: char-rnn's decay after every epoch or fixed interval. */
    static LearningRateSchedule stepDecay(float rate, float factor, long every) {
        if (every < 1) {
            throw new IllegalArgumentException("decay interval must be at least 1 step but was " + every);
        }
        return step -> (float) (rate * Math.pow(factor, step / every));
    }

    /** {@code rate · factor^step}. */
    static LearningRateSchedule exponential(float rate, float factor) {
        return step -> (float) (rate * Math.pow(factor, step));
    }
}
