package org.gatelane.core.train;

/** A loss or gradient became NaN or infinite; thrown before the parameters are touched. */
public final class NonFiniteException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public NonFiniteException(String message) {
        super(message);
    }
}
