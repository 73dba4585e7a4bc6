package org.gatelane.testing;

import static org.junit.jupiter.api.Assertions.fail;

/** Element-wise comparison with an absolute plus relative tolerance; NaN matches only NaN. */
public final class Close {

    private Close() {
    }

    public static void assertClose(String what, float[] expected, float[] actual, double absolute, double relative) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + " instead of " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            assertClose(what + "[" + i + "]", expected[i], actual[i], absolute, relative);
        }
    }

    public static void assertClose(String what, double expected, double actual, double absolute, double relative) {
        if (Double.isNaN(expected) || Double.isNaN(actual)) {
            if (Double.isNaN(expected) != Double.isNaN(actual)) {
                fail(what + ": " + actual + " where " + expected + " was expected");
            }
            return;
        }
        if (expected == actual) {
            return; // covers equal infinities
        }
        double bound = absolute + relative * Math.abs(expected);
        if (!(Math.abs(expected - actual) <= bound)) {
            fail(what + ": " + actual + " differs from " + expected + " by " + Math.abs(expected - actual)
                    + ", more than " + bound);
        }
    }
}
