package org.gatelane.core.io;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

import org.gatelane.core.model.Cell;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.text.Vocabulary;

/**
 * Everything needed to sample from a model or to resume its training exactly, as one versioned binary file of
 * plain data (never serialized Java objects).
 *
 * <p>Layout, big-endian: the magic {@code GATELANE}, the format version (int), then the shape, the vocabulary,
 * the options (string pairs, each an int byte length and standard UTF-8), the parameters, the optimizer state and
 * step, the iteration, the RNG state, the data cursor and epoch, the carried recurrent state, and last a footer:
 * the CRC-32 of every byte before it, as a long. Both directions stream through the checksum, as Lucene's
 * {@code CodecUtil} footers do, so a file is never assembled in memory. The shape ends with the cell's id as a
 * string since format version 3; versions 1 (strings in Java's modified UTF-8) and 2, both LSTM only, are still
 * read.
 *
 * <p>Reading trusts nothing: every count is checked against the bytes left in the file before anything is
 * allocated, so a crafted file fails with a {@link CheckpointException}, never with another exception or an
 * allocation larger than the file.
 *
 * @param options      training options and display state as text pairs, such as {@code optimizer=adam}
 * @param optimizerState the optimizer's state arrays, each as long as {@code parameters}
 * @param carriedState the recurrent state carried into the next training chunk
 */
public record Checkpoint(ModelShape shape, Vocabulary vocabulary, Map<String, String> options, float[] parameters,
                         float[][] optimizerState, long optimizerStep, long iteration, long rngState,
                         int dataCursor, long epoch, RecurrentState carriedState) {

    public static final int FORMAT_VERSION = 3;
    private static final byte[] MAGIC = "GATELANE".getBytes(StandardCharsets.US_ASCII);
    private static final int FOOTER_BYTES = Long.BYTES;
    /** Floats moved per bulk transfer between the stream and an array. */
    private static final int FLOAT_BLOCK = 16_384;

    /** The saved model, sharing this checkpoint's parameter array: for sampling, evaluation or fine-tuning. */
    public RecurrentModel model() {
        return new RecurrentModel(shape, parameters);
    }

    /**
     * Writes to a temporary file in the same folder, forces it to disk, renames it over {@code file} and forces
     * the folder: a crash at any moment leaves either the old checkpoint or the new one, never a broken one.
     */
    public void write(Path file) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        Files.createDirectories(folder);
        removeLeftovers(folder, file.getFileName().toString());
        Path temporary = Files.createTempFile(folder, file.getFileName() + ".", ".partial");
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                OutputStream file0 = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
                CheckedOutputStream checked = new CheckedOutputStream(file0, new CRC32());
                DataOutputStream out = new DataOutputStream(checked);
                encode(out);
                out.flush();
                new DataOutputStream(file0).writeLong(checked.getChecksum().getValue());
                file0.flush();
                channel.force(true);
            }
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
            forceFolder(folder);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Deletes the temporary files of writes that a crash or a kill interrupted, so they never pile up. */
    private static void removeLeftovers(Path folder, String name) throws IOException {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(folder, globQuoted(name) + ".*.partial")) {
            for (Path leftover : leftovers) {
                Files.deleteIfExists(leftover);
            }
        }
    }

    /** {@code name} with the glob's special characters escaped. */
    private static String globQuoted(String name) {
        return name.replaceAll("([\\\\*?\\[\\]{}])", "\\\\$1");
    }

    /** Makes the rename itself durable; where a folder cannot be opened for that (not Linux), the rename stands. */
    private static void forceFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException notSupported) {
            // Only durability across a power loss is at stake; the file itself is complete either way.
        }
    }

    private void encode(DataOutputStream out) throws IOException {
        out.write(MAGIC);
        out.writeInt(FORMAT_VERSION);
        out.writeInt(shape.inputSize());
        out.writeInt(shape.hiddenSize());
        out.writeInt(shape.layers());
        out.writeInt(shape.outputSize());
        out.writeBoolean(shape.oneHotInput());
        writeString(out, shape.cell().id());
        int[] codePoints = vocabulary.codePoints();
        out.writeInt(codePoints.length);
        for (int cp : codePoints) {
            out.writeInt(cp);
        }
        out.writeInt(options.size());
        for (Map.Entry<String, String> option : options.entrySet()) {
            writeString(out, option.getKey());
            writeString(out, option.getValue());
        }
        writeFloats(out, parameters);
        out.writeInt(optimizerState.length);
        for (float[] state : optimizerState) {
            writeFloats(out, state);
        }
        out.writeLong(optimizerStep);
        out.writeLong(iteration);
        out.writeLong(rngState);
        out.writeInt(dataCursor);
        out.writeLong(epoch);
        out.writeInt(carriedState.streams());
        for (int l = 0; l < carriedState.layers(); l++) {
            writeFloats(out, carriedState.h(l));
            writeFloats(out, carriedState.c(l));
        }
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        out.writeInt(values.length);
        ByteBuffer block = ByteBuffer.allocate(4 * Math.min(values.length, FLOAT_BLOCK));
        for (int from = 0; from < values.length; from += FLOAT_BLOCK) {
            int n = Math.min(FLOAT_BLOCK, values.length - from);
            block.clear();
            block.asFloatBuffer().put(values, from, n);
            out.write(block.array(), 0, 4 * n);
        }
    }

    /**
     * Reads and verifies a checkpoint.
     *
     * @throws CheckpointException if the file is not a Gatelane checkpoint, is from a newer format, is truncated,
     *                             fails its checksum, or is inconsistent; the message says which
     * @throws IOException         if the file cannot be read
     */
    public static Checkpoint read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new CheckpointException(file + " is a folder, not a checkpoint");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, Files.size(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + " does not exist");
        }
    }

    /**
     * Reads a checkpoint of {@code length} bytes from {@code in}; {@code source} names it in messages.
     *
     * @throws CheckpointException as {@link #read(Path)}
     */
    static Checkpoint read(InputStream raw, long length, String source) throws IOException {
        // Buffers no larger than the file: a small or crafted file costs little memory to refuse.
        InputStream in = new BufferedInputStream(raw, (int) Math.clamp(length, 64, 1 << 16));
        byte[] header = in.readNBytes(MAGIC.length + 4);
        if (header.length < MAGIC.length + 4 || !Arrays.equals(header, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new CheckpointException(source + " is not a Gatelane checkpoint (wrong magic bytes)");
        }
        int version = ByteBuffer.wrap(header, MAGIC.length, 4).getInt();
        if (version > FORMAT_VERSION) {
            throw new CheckpointException(source + " has format version " + version + ", newer than this Gatelane "
                    + "reads (" + FORMAT_VERSION + "); upgrade Gatelane");
        }
        if (version < 1) {
            throw new CheckpointException(source + " has an invalid format version " + version);
        }
        if (length < header.length + FOOTER_BYTES) {
            throw new CheckpointException(source + " is truncated");
        }
        CRC32 crc = new CRC32();
        crc.update(header);
        BoundedReader reader = new BoundedReader(in, crc, length - header.length - FOOTER_BYTES, source);
        Checkpoint checkpoint;
        try {
            checkpoint = decode(reader, version);
        } catch (EOFException e) {
            throw new CheckpointException(source + " is truncated or corrupt: it ends before its data does");
        } catch (CheckpointException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(source + " is corrupt: " + e.getMessage());
        }
        if (reader.remaining() != 0) {
            throw new CheckpointException(source + " is corrupt: " + reader.remaining()
                    + " unexpected bytes after its data");
        }
        byte[] footer = in.readNBytes(FOOTER_BYTES);
        if (footer.length != FOOTER_BYTES || ByteBuffer.wrap(footer).getLong() != crc.getValue()) {
            throw new CheckpointException(source + " is truncated or corrupt: its checksum does not match");
        }
        return checkpoint;
    }

    private static Checkpoint decode(BoundedReader reader, int version) throws IOException {
        DataInputStream in = reader.in;
        ModelShape shape = new ModelShape(in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readBoolean(),
                version >= 3 ? Cell.of(reader.string(version)) : Cell.LSTM);
        int[] codePoints = new int[reader.count("vocabulary size", 4)];
        for (int i = 0; i < codePoints.length; i++) {
            codePoints[i] = in.readInt();
        }
        Vocabulary vocabulary = new Vocabulary(codePoints);
        if (shape.oneHotInput() && (vocabulary.size() != shape.inputSize() || vocabulary.size() != shape.outputSize())) {
            throw new IllegalArgumentException("its vocabulary has " + vocabulary.size() + " symbols but its model "
                    + shape.inputSize() + " inputs and " + shape.outputSize() + " outputs");
        }
        int optionCount = reader.count("option count", 8);
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < optionCount; i++) {
            options.put(reader.string(version), reader.string(version));
        }
        int expectedParameters = shape.parameterCount();
        float[] parameters = reader.floats("parameters", expectedParameters);
        float[][] optimizerState = new float[reader.count("optimizer state count", 4L * expectedParameters + 4)][];
        for (int i = 0; i < optimizerState.length; i++) {
            optimizerState[i] = reader.floats("optimizer state " + i, expectedParameters);
        }
        long optimizerStep = in.readLong();
        long iteration = in.readLong();
        long rngState = in.readLong();
        int dataCursor = in.readInt();
        long epoch = in.readLong();
        int streams = reader.count("stream count", 8L * shape.layers() * shape.hiddenSize());
        if (streams < 1) {
            throw new IllegalArgumentException("its carried state has " + streams + " streams");
        }
        RecurrentState carried = new RecurrentState(shape.layers(), streams, shape.hiddenSize());
        for (int l = 0; l < shape.layers(); l++) {
            reader.floatsInto("carried h of layer " + l, carried.h(l));
            reader.floatsInto("carried c of layer " + l, carried.c(l));
        }
        return new Checkpoint(shape, vocabulary, options, parameters, optimizerState, optimizerStep, iteration,
                rngState, dataCursor, epoch, carried);
    }

    /** A checksummed data stream that knows how many bytes of data are left before the footer. */
    private static final class BoundedReader {
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

        long remaining() {
            return counted.limit - counted.position;
        }

        byte[] bytes(int n) throws IOException {
            byte[] bytes = new byte[n];
            in.readFully(bytes);
            return bytes;
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

        String string(int version) throws IOException {
            if (version == 1) {
                return in.readUTF();
            }
            byte[] utf8 = bytes(count("string length", 1));
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
