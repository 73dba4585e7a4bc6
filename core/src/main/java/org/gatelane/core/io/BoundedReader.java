package org.gatelane.core.io;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;

/**
 * A checksummed data stream that knows how many bytes of data are left before the footer, so that every count
 * read from a file is checked against the bytes that could hold it before anything is allocated: a crafted file
 * fails with a {@link CheckpointException}, never with an allocation larger than the file.
 */
final class BoundedReader {

    /** Floats moved per bulk transfer between the stream and an array. */
    static final int FLOAT_BLOCK = 16_384;

    final DataInputStream in;
    private final CountingStream counted;
    private final String source;
    private final ByteBuffer block;

    BoundedReader(InputStream raw, CRC32 crc, long dataLength, String source) {
        this.block = ByteBuffer.allocate(4 * (int) Math.clamp(dataLength / 4, 16, FLOAT_BLOCK));
        this.counted = new CountingStream(raw, dataLength);
        this.in = new DataInputStream(new CheckedInputStream(counted, crc));
        this.source = source;
    }

    /** The file's name, for messages. */
    String source() {
        return source;
    }

    long remaining() {
        return counted.limit - counted.position;
    }

    /** A count of items of at least {@code bytesEach} bytes, refused unless the rest of the file can hold them. */
    int count(String what, long bytesEach) throws IOException {
        int count = in.readInt();
        if (count < 0 || (long) count * Math.max(1, bytesEach) > remaining()) {
            throw new CheckpointException(source + " is truncated or corrupt: its " + what + " " + count
                    + " does not fit in the " + remaining() + " bytes left");
        }
        return count;
    }

    /** A string: Java's modified UTF-8 in format 1, an int byte length and strict UTF-8 since. */
    String string(int version) throws IOException {
        if (version == 1) {
            return in.readUTF();
        }
        byte[] utf8 = new byte[count("string length", 1)];
        in.readFully(utf8);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(utf8)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("an option string is not valid UTF-8");
        }
    }

    float[] floats(String what, int expected) throws IOException {
        if (4L * expected > remaining()) {
            throw new CheckpointException(source + " is truncated or corrupt: its " + what + " need "
                    + 4L * expected + " bytes but " + remaining() + " are left");
        }
        float[] values = new float[expected];
        floatsInto(what, values);
        return values;
    }

    void floatsInto(String what, float[] target) throws IOException {
        int count = in.readInt();
        if (count != target.length) {
            throw new IllegalArgumentException(what + " has " + count + " values where " + target.length
                    + " belong");
        }
        if (4L * count > remaining()) {
            throw new CheckpointException(source + " is truncated or corrupt: its " + what + " needs "
                    + 4L * count + " bytes but " + remaining() + " are left");
        }
        int blockFloats = block.capacity() / 4;
        for (int from = 0; from < count; from += blockFloats) {
            int n = Math.min(blockFloats, count - from);
            in.readFully(block.array(), 0, 4 * n);
            block.clear();
            block.asFloatBuffer().get(target, from, n);
        }
    }

    /** Counts the bytes read and ends the stream at {@code limit}, so the footer is never read as data. */
    private static final class CountingStream extends InputStream {
        private final InputStream in;
        final long limit;
        long position;

        CountingStream(InputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            if (position >= limit) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                position++;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (position >= limit) {
                return -1;
            }
            int n = in.read(buffer, offset, (int) Math.min(length, limit - position));
            if (n > 0) {
                position += n;
            }
            return n;
        }
    }
}
