package org.gatelane.core.train;

/**
 * How long a timed run's final validation will take, so that the run stops early enough for it to end by the
 * deadline: the last validation's own time once there is one, before that the validation text at three times the
 * training speed (a forward pass is about a third of a training step's work).
 *
 * <p>The training speed is that of the fastest iteration since this process's first round, not the mean since the
 * start: the first round runs while the JIT compiles the kernels (4.8 s for one step of H = 256 that later takes
 * 0.07 s), and a validation comes after that. From the mean, a 60 s run with a 414,000-character validation text
 * judged its final validation to need 200 s and stopped after one step.
 */
final class FinalValidationEstimate {

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

    /** Seconds the final validation of {@code validationLength} characters will take; 0 while nothing says. */
    double seconds(long validationLength, int charsPerIteration) {
        if (lastValidationSeconds > 0) {
            return lastValidationSeconds;
        }
        if (Double.isInfinite(fastestIterationSeconds)) {
            return 0;
        }
        return validationLength * fastestIterationSeconds / (3.0 * charsPerIteration);
    }
}
