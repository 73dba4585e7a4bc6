package org.gatelane.core;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Everything needed to sample from a model or to resume its training exactly, as one versioned binary file of
 * plain data (never serialized Java objects).
 *
 * <p>Layout, big-endian: the magic {@code GATELANE}, the format version (int), then the shape, the vocabulary,
 * the options (string pairs), the parameters, the optimizer state and step, the iteration, the RNG state, the
 * data cursor and epoch, the carried recurrent state, and last a CRC-32 of every byte before it.
 *
 * @param options      training options and display state as text pairs, such as {@code optimizer=adam}
 * @param optimizerState the optimizer's state arrays, each as long as {@code parameters}
 * @param carriedState the recurrent state carried into the next training chunk
 */
public record Checkpoint(LstmShape shape, Vocabulary vocabulary, Map<String, String> options, float[] parameters,
                         float[][] optimizerState, long optimizerStep, long iteration, long rngState,
                         int dataCursor, long epoch, LstmState carriedState) {

    public static final int FORMAT_VERSION = 1;
    private static final byte[] MAGIC = "GATELANE".getBytes(StandardCharsets.US_ASCII);

    /**
     * Writes to a temporary file in the same folder, forces it to disk, then renames it over {@code file}: a
     * crash at any moment leaves either the old checkpoint or the new one, never a broken one.
     */
    public void write(Path file) throws IOException {
        byte[] bytes = encode();
        Path folder = file.toAbsolutePath().getParent();
        Files.createDirectories(folder);
        Path temporary = Files.createTempFile(folder, file.getFileName() + ".", ".partial");
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private byte[] encode() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 4 * parameters.length * (1 + optimizerState.length));
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(MAGIC);
        out.writeInt(FORMAT_VERSION);
        out.writeInt(shape.inputSize());
        out.writeInt(shape.hiddenSize());
        out.writeInt(shape.layers());
        out.writeInt(shape.outputSize());
        out.writeBoolean(shape.oneHotInput());
        int[] codePoints = vocabulary.codePoints();
        out.writeInt(codePoints.length);
        for (int cp : codePoints) {
            out.writeInt(cp);
        }
        out.writeInt(options.size());
        for (Map.Entry<String, String> option : options.entrySet()) {
            out.writeUTF(option.getKey());
            out.writeUTF(option.getValue());
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
        out.flush();
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        out.writeLong(crc.getValue());
        return bytes.toByteArray();
    }

    private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        out.writeInt(values.length);
        ByteBuffer buffer = ByteBuffer.allocate(4 * values.length);
        buffer.asFloatBuffer().put(values);
        out.write(buffer.array());
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
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + " does not exist");
        }
        if (bytes.length < MAGIC.length + 4 || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new CheckpointException(file + " is not a Gatelane checkpoint (wrong magic bytes)");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        in.position(MAGIC.length);
        int version = in.getInt();
        if (version > FORMAT_VERSION) {
            throw new CheckpointException(file + " has format version " + version + ", newer than this Gatelane reads ("
                    + FORMAT_VERSION + "); upgrade Gatelane");
        }
        if (version < 1) {
            throw new CheckpointException(file + " has an invalid format version " + version);
        }
        if (bytes.length < MAGIC.length + 4 + 8) {
            throw new CheckpointException(file + " is truncated");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 8);
        if (crc.getValue() != ByteBuffer.wrap(bytes, bytes.length - 8, 8).getLong()) {
            throw new CheckpointException(file + " is truncated or corrupt: its checksum does not match");
        }
        try {
            Checkpoint checkpoint = decode(in);
            if (in.position() != bytes.length - 8) {
                throw new CheckpointException(file + " is corrupt: " + (bytes.length - 8 - in.position())
                        + " unexpected bytes after its data");
            }
            return checkpoint;
        } catch (BufferUnderflowException | CheckpointException e) {
            throw e instanceof CheckpointException c ? c
                    : new CheckpointException(file + " is corrupt: it ends before its data does");
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + " is corrupt: " + e.getMessage());
        }
    }

    private static Checkpoint decode(ByteBuffer in) {
        LstmShape shape = new LstmShape(in.getInt(), in.getInt(), in.getInt(), in.getInt(), in.get() != 0);
        int[] codePoints = new int[boundedCount(in, 4)];
        for (int i = 0; i < codePoints.length; i++) {
            codePoints[i] = in.getInt();
        }
        Vocabulary vocabulary = new Vocabulary(codePoints);
        int optionCount = boundedCount(in, 4);
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < optionCount; i++) {
            options.put(readUtf(in), readUtf(in));
        }
        float[] parameters = readFloats(in);
        new LstmModel(shape, parameters);
        float[][] optimizerState = new float[boundedCount(in, 4)][];
        for (int i = 0; i < optimizerState.length; i++) {
            optimizerState[i] = readFloats(in);
            if (optimizerState[i].length != parameters.length) {
                throw new IllegalArgumentException("optimizer state " + i + " has " + optimizerState[i].length
                        + " values for " + parameters.length + " parameters");
            }
        }
        long optimizerStep = in.getLong();
        long iteration = in.getLong();
        long rngState = in.getLong();
        int dataCursor = in.getInt();
        long epoch = in.getLong();
        LstmState carried = new LstmState(shape.layers(), in.getInt(), shape.hiddenSize());
        for (int l = 0; l < shape.layers(); l++) {
            readFloatsInto(in, carried.h(l));
            readFloatsInto(in, carried.c(l));
        }
        return new Checkpoint(shape, vocabulary, options, parameters, optimizerState, optimizerStep, iteration,
                rngState, dataCursor, epoch, carried);
    }

    /** A count read from the file, refused if the rest of the file cannot hold that many items. */
    private static int boundedCount(ByteBuffer in, int bytesEach) {
        int count = in.getInt();
        if (count < 0 || (long) count * bytesEach > in.remaining()) {
            throw new BufferUnderflowException();
        }
        return count;
    }

    private static String readUtf(ByteBuffer in) {
        byte[] utf = new byte[in.getShort() & 0xFFFF];
        in.get(utf);
        return new String(utf, StandardCharsets.UTF_8);
    }

    private static float[] readFloats(ByteBuffer in) {
        float[] values = new float[boundedCount(in, 4)];
        in.asFloatBuffer().get(values);
        in.position(in.position() + 4 * values.length);
        return values;
    }

    private static void readFloatsInto(ByteBuffer in, float[] target) {
        float[] values = readFloats(in);
        if (values.length != target.length) {
            throw new IllegalArgumentException("carried state has " + values.length + " values where " + target.length
                    + " belong");
        }
        System.arraycopy(values, 0, target, 0, values.length);
    }
}
