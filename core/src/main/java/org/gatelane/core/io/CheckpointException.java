package org.gatelane.core.io;

/** A checkpoint file that cannot be used: foreign, newer, truncated, corrupt or inconsistent. */
public final class CheckpointException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }
}
