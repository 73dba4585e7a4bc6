package org.gatelane.core.train;

/**
 * How long a timed run's final validation will take, so that the run stops early enough for it to end by the
 * deadline: the last validation's own time once there is one, before that the validation text at three times the
 * training speed of one thread (a forward pass is about a third of a training step's work, and a validation runs on
 * one thread), half as long again for the JIT to compile the validation's own forward pass. A timed run shorter than
 * its checkpoint interval validates only at its end, so the first validation is the final one: at H = 256 on the
 * KJV's 414,000 validation characters it took 3.9 s, and 2.7 s once compiled, where three times the training speed
 * said 2.8 s; with two threads training, the old estimate said 1.4 s and the runs overran 120 s by 1-2.4 s.
 *
 * <p>The training speed is that of the fastest iteration since this process's first round, not the mean since the
 * start: the first round runs while the JIT compiles the kernels (4.8 s for one step of H = 256 that later takes
 * 0.07 s), and a validation comes after that. From the mean, a 60 s run with a 414,000-character validation text
 * judged its final validation to need 200 s and stopped after one step.
 */
final class FinalValidationEstimate {

    /** A forward pass over a character against a training step's work on it. */
    private static final double FORWARD_SHARE = 1 / 3.0;
    /** The first validation's time against a compiled one's, with room to spare (3.9 s against 2.8 s estimated). */
    private static final double FIRST_VALIDATION_FACTOR = 1.5;

    private double lastValidationSeconds;
    private double fastestIterationSeconds = Double.POSITIVE_INFINITY;
    private boolean firstRoundDone;

    /** A round of {@code iterations} took {@code seconds}. */
    void roundTook(double seconds, int iterations) {
        if (firstRoundDone) {
            fastestIterationSeconds = Math.min(fastestIterationSeconds, seconds / iterations);
        }
        firstRoundDone = true;
    }

    /** A validation took {@code seconds}. */
    void validationTook(double seconds) {
        lastValidationSeconds = seconds;
    }

    /**
     * Seconds the final validation of {@code validationLength} characters will take, training having run on
     * {@code threads} threads; 0 while nothing says.
     */
    double seconds(long validationLength, int charsPerIteration, int threads) {
        if (lastValidationSeconds > 0) {
            return lastValidationSeconds;
        }
        if (Double.isInfinite(fastestIterationSeconds)) {
            return 0;
        }
        double oneThreadPerCharacter = fastestIterationSeconds * threads / charsPerIteration;
        return validationLength * oneThreadPerCharacter * FORWARD_SHARE * FIRST_VALIDATION_FACTOR;
    }
}
