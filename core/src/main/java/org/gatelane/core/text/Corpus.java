package org.gatelane.core.text;

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
import java.util.zip.CRC32C;

/**
 * A text as a sequence of symbol indices over its {@link Vocabulary}. The file is streamed twice (once for the
 * vocabulary, once to encode), never held as a {@code String}; symbols take one byte each when the vocabulary
 * has at most 256 of them, four otherwise. A byte-order mark (U+FEFF) at the very start is an encoding
 * signature, not text, and is dropped, as every UTF-8 reader that honours one does.
 *
 * <p>Immutable, and safe to share between threads.
 */
public final class Corpus {

    private static final int CHUNK = 1 << 16;
    private static final int BYTE_ORDER_MARK = 0xFEFF;

    /** What to do with characters outside a given vocabulary. */
    public enum Unknown {
        /** Refuse the text, naming the characters. */
        ERROR,
        /** Drop them from the text. */
        SKIP
    }

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
     * Reads a UTF-8 file strictly, over the vocabulary of its own characters.
     *
     * @throws CorpusException naming the byte offset of malformed UTF-8, or saying the file is empty
     * @throws IOException     if the file cannot be read
     */
    public static Corpus read(Path file) throws IOException {
        return read(file, null);
    }

    /**
     * The text of a UTF-8 file, read strictly, without a byte-order mark at its very start: a prime or a list of
     * characters rather than a corpus, so an empty file gives an empty string.
     *
     * @throws CorpusException naming the byte offset of malformed UTF-8, or saying the path is a folder
     */
    public static String readText(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new CorpusException(file + " is a folder, not a text file");
        }
        StringBuilder text = new StringBuilder();
        forEachCodePoint(file, text::appendCodePoint);
        return text.toString();
    }

    /**
     * Reads a UTF-8 file strictly, over a given vocabulary (a model's), or over its own characters if
     * {@code vocabulary} is null.
     *
     * @throws CorpusException if the text is malformed or empty, or has characters outside {@code vocabulary}
     */
    public static Corpus read(Path file, Vocabulary vocabulary) throws IOException {
        return read(file, vocabulary, Unknown.ERROR);
    }

    /**
     * Reads a UTF-8 file strictly over {@code vocabulary} (a model's, for fine-tuning or evaluation), refusing or
     * dropping the characters outside it as {@code unknown} says.
     *
     * @throws CorpusException if the text is malformed or empty (after dropping), or, with {@link Unknown#ERROR},
     *                         has characters outside {@code vocabulary}, which the message names
     */
    public static Corpus read(Path file, Vocabulary vocabulary, Unknown unknown) throws IOException {
        if (Files.isDirectory(file)) {
            throw new CorpusException(file + " is a folder, not a text file");
        }
        boolean skipping = vocabulary != null && unknown == Unknown.SKIP;
        BitSet seen = new BitSet();
        long[] count = {0};
        forEachCodePoint(file, cp -> {
            seen.set(cp);
            if (!skipping || vocabulary.indexOf(cp) >= 0) {
                count[0]++;
            }
        });
        if (count[0] == 0) {
            throw new CorpusException(file + (seen.isEmpty() ? " is empty; a corpus needs text to learn from"
                    : " has no character of the model's vocabulary"));
        }
        if (count[0] > Integer.MAX_VALUE - 8) {
            throw new CorpusException(file + " holds " + count[0] + " characters; at most " + (Integer.MAX_VALUE - 8)
                    + " are supported");
        }
        Vocabulary own = new Vocabulary(seen.stream().toArray());
        Vocabulary used = vocabulary == null ? own
                : skipping ? vocabulary : requireKnown(file.toString(), own, vocabulary);
        SymbolWriter symbols = new SymbolWriter(used, (int) count[0]);
        forEachCodePoint(file, symbols);
        return symbols.corpus();
    }

    /** A corpus of an in-memory text over its own vocabulary. */
    public static Corpus of(String text) {
        return of(text, null);
    }

    /** A corpus of an in-memory text over {@code vocabulary}, or its own if null. */
    public static Corpus of(String text, Vocabulary vocabulary) {
        return of(text, vocabulary, Unknown.ERROR);
    }

    /**
     * A corpus of an in-memory text over {@code vocabulary}, or its own if null, refusing or dropping the
     * characters outside {@code vocabulary} as {@code unknown} says.
     */
    public static Corpus of(String text, Vocabulary vocabulary, Unknown unknown) {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        if (body.isEmpty()) {
            throw new CorpusException("the text is empty; a corpus needs text to learn from");
        }
        Vocabulary own = Vocabulary.of(body);
        boolean skipping = vocabulary != null && unknown == Unknown.SKIP;
        Vocabulary used = vocabulary == null ? own : skipping ? vocabulary : requireKnown("the text", own, vocabulary);
        int length = (int) body.codePoints().filter(cp -> used.indexOf(cp) >= 0).count();
        if (length == 0) {
            throw new CorpusException("the text has no character of the model's vocabulary");
        }
        SymbolWriter symbols = new SymbolWriter(used, length);
        body.codePoints().forEach(symbols);
        return symbols.corpus();
    }

    private static Vocabulary requireKnown(String source, Vocabulary own, Vocabulary vocabulary) {
        StringBuilder ownText = new StringBuilder();
        for (int i = 0; i < own.size(); i++) {
            ownText.appendCodePoint(own.codePoint(i));
        }
        String unknown = vocabulary.describeUnknown(ownText.toString());
        if (!unknown.isEmpty()) {
            throw new CorpusException(source + " has characters outside the model's vocabulary: " + unknown);
        }
        return vocabulary;
    }

    /** Encodes code points into the most compact array the vocabulary allows. */
    private static final class SymbolWriter implements IntConsumer {
        private final Vocabulary vocabulary;
        private final byte[] small;
        private final int[] large;
        private int at;

        SymbolWriter(Vocabulary vocabulary, int length) {
            this.vocabulary = vocabulary;
            boolean fitsInBytes = vocabulary.size() <= 256;
            this.small = fitsInBytes ? new byte[length] : null;
            this.large = fitsInBytes ? null : new int[length];
        }

        /** Characters outside the vocabulary only arrive when they are to be skipped: checks came first. */
        @Override
        public void accept(int codePoint) {
            int symbol = vocabulary.indexOf(codePoint);
            if (symbol < 0) {
                return;
            }
            if (small != null) {
                small[at++] = (byte) symbol;
            } else {
                large[at++] = symbol;
            }
        }

        Corpus corpus() {
            return new Corpus(vocabulary, small, large, at);
        }
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

    /**
     * A fingerprint of the characters in {@code [from, to)}: the CRC-32C of their code points, so that a run can
     * tell the text it trained on from another of the same length and vocabulary. Costs one pass over the range.
     */
    public long fingerprint(int from, int to) {
        CRC32C crc = new CRC32C();
        ByteBuffer block = ByteBuffer.allocate(4 * 4096);
        for (int i = from; i < to; i++) {
            block.putInt(vocabulary.codePoint(symbol(i)));
            if (!block.hasRemaining()) {
                crc.update(block.flip());
                block.clear();
            }
        }
        crc.update(block.flip());
        return crc.getValue();
    }

    /** Every code point of a strict UTF-8 file, in order, without a byte-order mark at the very start. */
    private static void forEachCodePoint(Path file, IntConsumer textAction) throws IOException {
        boolean[] first = {true};
        IntConsumer action = cp -> {
            if (!first[0] || cp != BYTE_ORDER_MARK) {
                textAction.accept(cp);
            }
            first[0] = false;
        };
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
