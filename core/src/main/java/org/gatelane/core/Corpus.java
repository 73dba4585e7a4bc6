package org.gatelane.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.function.IntConsumer;

/**
 * A text as a sequence of symbol indices over its {@link Vocabulary}. The file is streamed twice (once for the
 * vocabulary, once to encode), never held as a {@code String}; symbols take one byte each when the vocabulary
 * has at most 256 of them, four otherwise.
 */
public final class Corpus {

    private static final int CHUNK = 1 << 16;

    private final Vocabulary vocabulary;
    private final byte[] smallSymbols;
    private final int[] largeSymbols;
    private final int length;

    private Corpus(Vocabulary vocabulary, byte[] smallSymbols, int[] largeSymbols, int length) {
        this.vocabulary = vocabulary;
        this.smallSymbols = smallSymbols;
        this.largeSymbols = largeSymbols;
        this.length = length;
    }

    /**
     * Reads a UTF-8 file strictly.
     *
     * @throws CorpusException naming the byte offset of malformed UTF-8, or saying the file is empty
     * @throws IOException     if the file cannot be read
     */
    public static Corpus read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new CorpusException(file + " is a folder, not a text file");
        }
        BitSet seen = new BitSet();
        long[] count = {0};
        forEachCodePoint(file, cp -> {
            seen.set(cp);
            count[0]++;
        });
        if (count[0] == 0) {
            throw new CorpusException(file + " is empty; a corpus needs text to learn from");
        }
        if (count[0] > Integer.MAX_VALUE - 8) {
            throw new CorpusException(file + " holds " + count[0] + " characters; at most " + (Integer.MAX_VALUE - 8)
                    + " are supported");
        }
        Vocabulary vocabulary = new Vocabulary(seen.stream().toArray());
        int n = (int) count[0];
        boolean small = vocabulary.size() <= 256;
        byte[] bytes = small ? new byte[n] : null;
        int[] ints = small ? null : new int[n];
        int[] at = {0};
        forEachCodePoint(file, cp -> {
            int symbol = vocabulary.indexOf(cp);
            if (small) {
                bytes[at[0]++] = (byte) symbol;
            } else {
                ints[at[0]++] = symbol;
            }
        });
        return new Corpus(vocabulary, bytes, ints, n);
    }

    /** A corpus of an in-memory text over its own vocabulary. */
    public static Corpus of(String text) {
        if (text.isEmpty()) {
            throw new CorpusException("the text is empty; a corpus needs text to learn from");
        }
        Vocabulary vocabulary = Vocabulary.of(text);
        return new Corpus(vocabulary, null, vocabulary.encode(text), text.codePointCount(0, text.length()));
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** Number of symbols (code points). */
    public int length() {
        return length;
    }

    /** The symbol index at {@code position}. */
    public int symbol(int position) {
        return smallSymbols != null ? smallSymbols[position] & 0xFF : largeSymbols[position];
    }

    /** A copy of {@code [from, to)} as symbol indices. */
    public int[] symbols(int from, int to) {
        int[] out = new int[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = symbol(i);
        }
        return out;
    }

    private static void forEachCodePoint(Path file, IntConsumer action) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.allocate(CHUNK);
        CharBuffer out = CharBuffer.allocate(CHUNK + 1);
        long consumed = 0;
        try (InputStream stream = Files.newInputStream(file)) {
            boolean end = false;
            while (!end) {
                int read = stream.read(in.array(), in.position(), in.remaining());
                end = read < 0;
                if (!end) {
                    in.position(in.position() + read);
                }
                in.flip();
                int before = in.position();
                CoderResult result = decoder.decode(in, out, end);
                if (result.isError()) {
                    throw new CorpusException(file + " is not valid UTF-8: malformed byte sequence at byte offset "
                            + (consumed + in.position()));
                }
                consumed += in.position() - before;
                if (end) {
                    CoderResult flush = decoder.flush(out);
                    if (flush.isError()) {
                        throw new CorpusException(file + " is not valid UTF-8: truncated sequence at byte offset " + consumed);
                    }
                }
                drain(out, action, end);
                in.compact();
            }
            if (in.position() > 0) {
                throw new CorpusException(file + " is not valid UTF-8: truncated sequence at byte offset " + consumed);
            }
        }
    }

    /** Emits the complete code points in {@code out}, keeping a trailing high surrogate for the next chunk. */
    private static void drain(CharBuffer out, IntConsumer action, boolean end) {
        out.flip();
        while (out.hasRemaining()) {
            char c = out.get();
            if (Character.isHighSurrogate(c)) {
                if (!out.hasRemaining() && !end) {
                    out.position(out.position() - 1);
                    break;
                }
                action.accept(Character.toCodePoint(c, out.get()));
            } else {
                action.accept(c);
            }
        }
        out.compact();
    }
}
