package org.gatelane.core.train;

/**
 * How long a timed run's final validation will take, so that the run stops early enough for it to end by the
 * deadline: the last validation's own time once there is one; before that, the time of a few validation passes
 * (a probe, which the loop makes when the guess below first says to stop) scaled to the whole validation text; before
 * that, a guess from the training speed. A timed run shorter than its checkpoint interval validates only at its end,
 * so for it the first validation is the final one.
 *
 * <p>The guess is the validation text at three times the training speed of one thread (a forward pass is about a
 * third of a training step's work, and a validation runs on one thread), half as long again for the JIT. The training
 * speed is that of the fastest iteration since this process's first round, not the mean since the start: the first
 * round runs while the JIT compiles the kernels (4.8 s for one step of H = 256 that later takes 0.07 s), and a
 * validation comes after that. From the mean, a 60 s run with a 414,000-character validation text judged its final
 * validation to need 200 s and stopped after one step.
 *
 * <p>The guess alone stopped runs far too early where the JIT was still compiling when it was first asked, and where
 * two threads train at less than twice one thread's speed (Zen 4, the KJV's 414,000 validation characters, 25 s
 * budgets): two layers of 256 on two threads stopped training after 3.1 s of 25 and validated in 8.1 s; H = 512 on
 * two threads after 4.3 s of 40, validating in 10.1 s. Where the guess held, it was still 1.5 times the validation's
 * time (2.8-3.1 s at H = 256, one thread or two, against 4.2-4.6 s guessed), a second of every 120 s run. A probe of
 * four passes costs about 1.5 % of a validation.
 */
final class FinalValidationEstimate {

    /** A forward pass over a character against a training step's work on it. */
    private static final double FORWARD_SHARE = 1 / 3.0;
    /**
     * The guess's room for a first validation's compilation (one took 3.9 s against 2.8 s guessed). It may err long:
     * a probe checks it before the run stops on it.
     */
    private static final double FIRST_VALIDATION_FACTOR = 1.5;

    /**
     * The whole validation's time against a probe's per character, for the noise between two timings. A probe's
     * passes are as wide and as long as the validation's, but it prepares the weights and a pass's workspace as the
     * whole validation does once, so per character it ran 6-39 % slower (H = 512 to 128, Zen 4): the estimate errs
     * long, and a run ends 0.5-1.7 s before its deadline.
     */
    private static final double PROBE_MARGIN = 1.1;
    /**
     * Probes a run makes at most. The first may still run code the JIT has not compiled; each later one is kept only if
     * faster, so a few reach the compiled speed, and the cap bounds their cost where the deadline keeps being near.
     */
    private static final int MAX_PROBES = 4;

    private double lastValidationSeconds;
    private double fastestProbeSecondsPerCharacter = Double.POSITIVE_INFINITY;
    private int probes;
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

    /** A probe scored {@code characters} of the validation text in {@code seconds}. */
    void probeTook(double seconds, long characters) {
        probes++;
        fastestProbeSecondsPerCharacter = Math.min(fastestProbeSecondsPerCharacter, seconds / characters);
    }

    /** Whether a probe would tell more than {@link #seconds} says now: no validation has been timed yet. */
    boolean wantsProbe() {
        return lastValidationSeconds == 0 && probes < MAX_PROBES;
    }

    /**
     * Seconds the final validation of {@code validationLength} characters will take, training having run on
     * {@code threads} threads; 0 while nothing says.
     */
    double seconds(long validationLength, int charsPerIteration, int threads) {
        if (lastValidationSeconds > 0) {
            return lastValidationSeconds;
        }
        if (probes > 0) {
            return validationLength * fastestProbeSecondsPerCharacter * PROBE_MARGIN;
        }
        if (Double.isInfinite(fastestIterationSeconds)) {
            return 0;
        }
        double oneThreadPerCharacter = fastestIterationSeconds * threads / charsPerIteration;
        return validationLength * oneThreadPerCharacter * FORWARD_SHARE * FIRST_VALIDATION_FACTOR;
    }
}
