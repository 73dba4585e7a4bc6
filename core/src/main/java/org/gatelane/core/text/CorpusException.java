package org.gatelane.core.text;

/** A text that cannot serve as a corpus: empty, malformed UTF-8, too short, or out of vocabulary. */
public final class CorpusException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public CorpusException(String message) {
        super(message);
    }
}
