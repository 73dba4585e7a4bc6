package org.gatelane.core.text;

/**
 * char-rnn's batching: a range of the corpus is cut into {@code streams} contiguous streams, and each chunk
 * takes the next {@code steps} symbols of every stream as inputs and the symbols one further as targets. State
 * carries from chunk to chunk; when a stream has fewer than {@code steps + 1} symbols left, an epoch ends and
 * every stream starts again from its beginning.
 *
 * <p>With a restart interval of {@code n} chunks, each stream's carried state also starts again from zeros every
 * {@code n} chunks of the epoch, the streams a fixed offset apart so that each chunk restarts about {@code streams
 * / n} of them. Carried through a whole epoch, the state is never zero again after the first chunk, and a model
 * can come to depend on a state that a zero start does not reach: one such two-layer model scored 1.6 nats per
 * character with its carried state and 3.6 from zeros, which is where sampling and evaluation start.
 */
public final class TextBatches {

    private final Corpus corpus;
    private final int from;
    private final int streamLength;
    private final int steps;
    private final int streams;
    private final int restartEvery;
    private int cursor;
    private long epoch;

    /**
     * Batches whose streams start from zeros only at the start of an epoch, as char-rnn's.
     *
     * @param from first symbol of the range
     * @param to   end of the range (exclusive)
     * @throws CorpusException if the range is too short for one chunk of every stream
     */
    public TextBatches(Corpus corpus, int from, int to, int steps, int streams) {
        this(corpus, from, to, steps, streams, 0);
    }

    /**
     * @param from         first symbol of the range
     * @param to           end of the range (exclusive)
     * @param restartEvery chunks between one stream's restarts from zeros within an epoch; 0 for none
     * @throws CorpusException if the range is too short for one chunk of every stream
     */
    public TextBatches(Corpus corpus, int from, int to, int steps, int streams, int restartEvery) {
        if (restartEvery < 0) {
            throw new IllegalArgumentException("the restart interval must be 0 or more chunks but was "
                    + restartEvery);
        }
        this.corpus = corpus;
        this.from = from;
        this.steps = steps;
        this.streams = streams;
        this.restartEvery = restartEvery;
        this.streamLength = (to - from) / streams;
        if (streamLength < steps + 1) {
            throw new CorpusException("the text has " + (to - from) + " characters for training but needs at least "
                    + minimumLength(steps, streams) + " (" + streams + " streams x (" + steps + " steps + 1))");
        }
    }

    /** The fewest symbols that give every stream one chunk. */
    public static long minimumLength(int steps, int streams) {
        return (long) streams * (steps + 1);
    }

    /**
     * Fills the next chunk, time-major ({@code t·streams + b}), and advances.
     *
     * @return true if this chunk starts a new epoch (the caller should reset the carried state)
     */
    public boolean next(int[] inputs, int[] targets) {
        if (cursor + steps + 1 > streamLength) {
            cursor = 0;
            epoch++;
        }
        boolean startsEpoch = cursor == 0;
        for (int b = 0; b < streams; b++) {
            int start = from + b * streamLength + cursor;
            for (int t = 0; t < steps; t++) {
                inputs[t * streams + b] = corpus.symbol(start + t);
                targets[t * streams + b] = corpus.symbol(start + t + 1);
            }
        }
        cursor += steps;
        return startsEpoch;
    }

    /**
     * Sets {@code which[b]} to whether stream {@code b}'s carried state starts again from zeros before the chunk
     * {@link #next} filled last: at an epoch's first chunk, and every {@code restartEvery} chunks from the stream's
     * offset of {@code b · restartEvery / streams}. A function of the position alone, so a resumed run restarts the
     * same streams.
     *
     * @param which one entry per stream
     */
    public void restarts(boolean[] which) {
        if (which.length != streams) {
            throw new IllegalArgumentException("restarts name each of the " + streams + " streams but had "
                    + which.length + " entries");
        }
        int chunk = (cursor - steps) / steps;
        for (int b = 0; b < streams; b++) {
            which[b] = chunk == 0
                    || restartEvery > 0 && (chunk + (long) b * restartEvery / streams) % restartEvery == 0;
        }
    }

    /** Chunks per epoch. */
    public int chunksPerEpoch() {
        return (streamLength - 1) / steps;
    }

    /** Chunks per epoch of a range of {@code length} symbols, before making the batches. */
    public static int chunksPerEpoch(int length, int steps, int streams) {
        return Math.max(0, (length / streams - 1) / steps);
    }

    /** Position within each stream, for checkpoints. */
    public int cursor() {
        return cursor;
    }

    public long epoch() {
        return epoch;
    }

    /** Restores a position saved from {@link #cursor()} and {@link #epoch()}. */
    public void restore(int cursor, long epoch) {
        if (cursor < 0 || cursor > streamLength) {
            throw new IllegalArgumentException("data cursor " + cursor + " is outside the stream length " + streamLength);
        }
        this.cursor = cursor;
        this.epoch = epoch;
    }

    /**
     * Copies streams {@code [from, from + width)} of a time-major chunk of {@code streams} streams into
     * {@code part}, itself time-major {@code [part.length / width x width]}: a group's share of a chunk.
     */
    public static void copyStreams(int[] chunk, int streams, int from, int width, int[] part) {
        for (int t = 0; t < part.length / width; t++) {
            System.arraycopy(chunk, t * streams + from, part, t * width, width);
        }
    }
}
