package org.gatelane.spark;

import java.util.Locale;

/**
 * Where a distributed run's time went, summed over its rounds: the rounds' wall time on the driver and, of it, the
 * slowest task's computation in each round; the rest is the round's overhead (broadcasting, scheduling, serializing,
 * collecting, combining). Written by one engine on the training thread, read by anyone after.
 */
public final class RoundTiming {

    private long steps;
    private long rounds;
    private double roundSeconds;
    private double slowestTaskSeconds;

    synchronized void add(int roundSteps, double seconds, double slowestTask) {
        steps += roundSteps;
        rounds++;
        roundSeconds += seconds;
        slowestTaskSeconds += slowestTask;
    }

    public synchronized long steps() {
        return steps;
    }

    public synchronized long rounds() {
        return rounds;
    }

    /** Driver wall time of all rounds. */
    public synchronized double roundSeconds() {
        return roundSeconds;
    }

    /** The slowest task's computation, summed over the rounds. */
    public synchronized double slowestTaskSeconds() {
        return slowestTaskSeconds;
    }

    /** Seconds per round spent outside the slowest task's computation. */
    public synchronized double overheadPerRound() {
        return rounds == 0 ? 0 : (roundSeconds - slowestTaskSeconds) / rounds;
    }

    /** One line for a log. */
    public synchronized String summary() {
        if (steps == 0) {
            return "no steps";
        }
        return String.format(Locale.ROOT, "%d steps in %d rounds: %.3f s a step, of which computing %.3f s (the "
                        + "slowest task) and the rounds' overhead %.3f s (%.3f s a round, %.0f %% of the computing)",
                steps, rounds, roundSeconds / steps, slowestTaskSeconds / steps, overheadPerRound() * rounds / steps,
                overheadPerRound(), 100 * (roundSeconds - slowestTaskSeconds) / slowestTaskSeconds);
    }
}
