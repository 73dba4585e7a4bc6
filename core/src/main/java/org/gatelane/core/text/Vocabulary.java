package org.gatelane.core.text;

import java.util.Arrays;

/** The symbols of a character model: Unicode code points, sorted, each mapped to its index. Immutable. */
public final class Vocabulary {

    private final int[] codePoints;

    /**
     * @param codePoints distinct valid code points in ascending order (copied)
     * @throws IllegalArgumentException if they are empty, unsorted, repeated or not code points
     */
    public Vocabulary(int[] codePoints) {
        if (codePoints.length == 0) {
            throw new IllegalArgumentException("a vocabulary needs at least one symbol");
        }
        for (int i = 0; i < codePoints.length; i++) {
            if (!Character.isValidCodePoint(codePoints[i]) || (i > 0 && codePoints[i] <= codePoints[i - 1])) {
                throw new IllegalArgumentException("vocabulary code points must be valid, distinct and ascending; "
                        + "entry " + i + " is " + codePoints[i]);
            }
        }
        this.codePoints = codePoints.clone();
    }

    /** The vocabulary of the code points in {@code text}. */
    public static Vocabulary of(String text) {
        return new Vocabulary(text.codePoints().distinct().sorted().toArray());
    }

    public int size() {
        return codePoints.length;
    }

    /** The code point of symbol {@code index}. */
    public int codePoint(int index) {
        return codePoints[index];
    }

    /** The symbol index of {@code codePoint}, or -1 if it is not in the vocabulary. */
    public int indexOf(int codePoint) {
        int at = Arrays.binarySearch(codePoints, codePoint);
        return at >= 0 ? at : -1;
    }

    /** A copy of the code points, ascending. */
    public int[] codePoints() {
        return codePoints.clone();
    }

    /** Symbol indices of {@code text}; throws naming the characters that are not in the vocabulary. */
    public int[] encode(String text) {
        int[] symbols = text.codePoints().map(this::indexOf).toArray();
        if (Arrays.stream(symbols).anyMatch(s -> s < 0)) {
            throw new IllegalArgumentException("not in the model's vocabulary: " + describeUnknown(text));
        }
        return symbols;
    }

    /** The distinct characters of {@code text} missing from this vocabulary, quoted, for error messages. */
    public String describeUnknown(String text) {
        StringBuilder missing = new StringBuilder();
        text.codePoints().filter(cp -> indexOf(cp) < 0).distinct().limit(20).forEach(cp -> {
            if (!missing.isEmpty()) {
                missing.append(", ");
            }
            missing.append(String.format("'%s' (U+%04X)", Character.isISOControl(cp) ? "" : Character.toString(cp), cp));
        });
        return missing.toString();
    }

    /** The text of {@code symbols}. */
    public String decode(int[] symbols, int from, int to) {
        StringBuilder text = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            text.appendCodePoint(codePoints[symbols[i]]);
        }
        return text.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Vocabulary v && Arrays.equals(codePoints, v.codePoints);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(codePoints);
    }
}
