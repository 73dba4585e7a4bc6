package org.gatelane.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FinalValidationEstimateTest {

    /** 300,000 characters of validation text, 3,200 characters a training iteration. */
    private static final long TEXT = 300_000;
    private static final int CHUNK = 3_200;

    @Test
    void theFirstRoundSaysNothing() {
        FinalValidationEstimate estimate = new FinalValidationEstimate();
        estimate.roundTook(4.8, 1); // the JIT's warm-up: from this alone the estimate was 150 s
        assertEquals(0, estimate.seconds(TEXT, CHUNK, 1));
    }

    @Test
    void laterRoundsCountAtTheirFastest() {
        FinalValidationEstimate estimate = new FinalValidationEstimate();
        estimate.roundTook(4.8, 1);
        estimate.roundTook(0.2, 1);
        estimate.roundTook(0.32, 4); // 0.08 s an iteration
        estimate.roundTook(0.5, 1);
        // 300,000 / 3,200 = 93.75 iterations' worth of text, a forward pass a third of an iteration each, and half
        // as long again for a first validation's compilation.
        assertEquals(93.75 * 0.08 / 3 * 1.5, estimate.seconds(TEXT, CHUNK, 1), 1e-12);
    }

    @Test
    void aValidationRunsOnOneOfTheThreadsTrainingRanOn() {
        FinalValidationEstimate estimate = new FinalValidationEstimate();
        estimate.roundTook(4.8, 1);
        estimate.roundTook(0.04, 1); // two threads: 0.08 s of one thread's work
        assertEquals(93.75 * 0.08 / 3 * 1.5, estimate.seconds(TEXT, CHUNK, 2), 1e-12);
    }

    @Test
    void aValidationsOwnTimeReplacesTheEstimate() {
        FinalValidationEstimate estimate = new FinalValidationEstimate();
        estimate.roundTook(4.8, 1);
        estimate.roundTook(0.08, 1);
        estimate.validationTook(7.5);
        estimate.roundTook(0.01, 1);
        assertEquals(7.5, estimate.seconds(TEXT, CHUNK, 2));
    }

    @Test
    void theFastestProbeReplacesTheGuess() {
        FinalValidationEstimate estimate = new FinalValidationEstimate();
        estimate.roundTook(4.8, 1);
        estimate.roundTook(0.08, 1);
        estimate.probeTook(0.09, 6_400); // a cold probe
        estimate.probeTook(0.06, 6_400);
        estimate.probeTook(0.07, 6_400);
        // The whole text at the fastest probe's time per character, a tenth more for the noise between timings.
        assertEquals(300_000 * 0.06 / 6_400 * 1.1, estimate.seconds(TEXT, CHUNK, 2), 1e-12);
    }

    @Test
    void probesStopAtTheirCapAndOnceAValidationWasTimed() {
        FinalValidationEstimate capped = new FinalValidationEstimate();
        for (int probe = 0; probe < 4; probe++) {
            assertTrue(capped.wantsProbe(), "probe " + probe);
            capped.probeTook(0.06, 6_400);
        }
        assertFalse(capped.wantsProbe());

        FinalValidationEstimate validated = new FinalValidationEstimate();
        validated.probeTook(0.06, 6_400);
        validated.validationTook(7.5);
        assertFalse(validated.wantsProbe());
        assertEquals(7.5, validated.seconds(TEXT, CHUNK, 1));
    }
}
