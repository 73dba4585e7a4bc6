package org.gatelane.core.model;

import java.util.Locale;

/** Byte counts for people: what an allocation would take, in the messages that refuse it. */
public final class Bytes {

    private Bytes() {
    }

    /** {@code 1,536 bytes}, {@code 3.2 MB}, {@code 642.0 GB}: decimal units, one decimal above a kilobyte. */
    public static String describe(long bytes) {
        if (bytes < 1000) {
            return bytes + " bytes";
        }
        String[] units = {"kB", "MB", "GB", "TB", "PB", "EB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1000 && unit < units.length - 1) {
            value /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
