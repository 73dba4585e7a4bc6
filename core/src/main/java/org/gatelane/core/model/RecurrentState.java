package org.gatelane.core.model;

import java.util.Arrays;

/**
 * The recurrent state {@code (h, c)} of every layer for {@code streams} parallel streams: for layer {@code l},
 * {@code h(l)} and {@code c(l)} are {@code [streams x H]} row-major. The arrays are live: callers may read and
 * write them. A GRU carries h only; its c stays zero.
 */
public final class RecurrentState {

    private final int streams;
    private final int hiddenSize;
    private final float[][] h;
    private final float[][] c;

    /** A zero state for {@code layers} layers. */
    public RecurrentState(int layers, int streams, int hiddenSize) {
        if (layers < 1 || streams < 1 || hiddenSize < 1) {
            throw new IllegalArgumentException("a state needs layers, streams and hiddenSize >= 1 but got "
                    + layers + ", " + streams + ", " + hiddenSize);
        }
        this.streams = streams;
        this.hiddenSize = hiddenSize;
        h = new float[layers][streams * hiddenSize];
        c = new float[layers][streams * hiddenSize];
    }

    /** A zero state shaped for {@code shape} and {@code streams}. */
    public static RecurrentState zeros(ModelShape shape, int streams) {
        return new RecurrentState(shape.layers(), streams, shape.hiddenSize());
    }

    public int layers() {
        return h.length;
    }

    public int streams() {
        return streams;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    /** Layer {@code l}'s hidden state {@code [streams x H]}, live. */
    public float[] h(int layer) {
        return h[layer];
    }

    /** Layer {@code l}'s cell state {@code [streams x H]}, live. */
    public float[] c(int layer) {
        return c[layer];
    }

    /** Sets every value to zero: the start of a new sequence. */
    public void reset() {
        for (int l = 0; l < h.length; l++) {
            Arrays.fill(h[l], 0f);
            Arrays.fill(c[l], 0f);
        }
    }

    /**
     * Sets to zero the streams {@code b} for which {@code which[b]} holds: those that start a new sequence.
     *
     * @throws IllegalArgumentException if {@code which} does not have one entry per stream
     */
    public void reset(boolean[] which) {
        if (which.length != streams) {
            throw new IllegalArgumentException("a reset names each of the " + streams + " streams but had "
                    + which.length + " entries");
        }
        for (int b = 0; b < streams; b++) {
            if (which[b]) {
                for (int l = 0; l < h.length; l++) {
                    Arrays.fill(h[l], b * hiddenSize, (b + 1) * hiddenSize, 0f);
                    Arrays.fill(c[l], b * hiddenSize, (b + 1) * hiddenSize, 0f);
                }
            }
        }
    }

    /** Copies {@code other} into this state; the shapes must match. */
    public void copyFrom(RecurrentState other) {
        requireSameShape(other);
        for (int l = 0; l < h.length; l++) {
            System.arraycopy(other.h[l], 0, h[l], 0, h[l].length);
            System.arraycopy(other.c[l], 0, c[l], 0, c[l].length);
        }
    }

    /**
     * Copies {@code count} streams of every layer's h and c from {@code source}, starting at stream
     * {@code sourceStream}, into {@code target} from stream {@code targetStream}.
     *
     * @throws IllegalArgumentException if the layers or H differ, or a range falls outside its state
     */
    public static void copyStreams(RecurrentState source, int sourceStream, RecurrentState target, int targetStream, int count) {
        if (source.layers() != target.layers() || source.hiddenSize != target.hiddenSize || count < 0
                || sourceStream < 0 || sourceStream + count > source.streams
                || targetStream < 0 || targetStream + count > target.streams) {
            throw new IllegalArgumentException("cannot copy " + count + " streams from stream " + sourceStream + " of "
                    + source.describe() + " to stream " + targetStream + " of " + target.describe());
        }
        int h = source.hiddenSize;
        for (int l = 0; l < source.layers(); l++) {
            System.arraycopy(source.h[l], sourceStream * h, target.h[l], targetStream * h, count * h);
            System.arraycopy(source.c[l], sourceStream * h, target.c[l], targetStream * h, count * h);
        }
    }

    void requireSameShape(RecurrentState other) {
        if (other.layers() != layers() || other.streams != streams || other.hiddenSize != hiddenSize) {
            throw new IllegalArgumentException("state shapes differ: " + describe() + " vs " + other.describe());
        }
    }

    String describe() {
        return layers() + " layers x " + streams + " streams x H=" + hiddenSize;
    }
}
