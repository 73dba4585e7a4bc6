package org.gatelane.core.io;

import java.io.BufferedInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;

import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.ParameterLayout;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.text.Vocabulary;

/**
 * A model with its vocabulary and, for a training run, everything needed to resume it exactly, as one versioned
 * binary file of plain data (never serialized Java objects).
 *
 * <p>Framing, big-endian: the magic {@code GATELANE}, the format version (int), the fields of
 * {@link CheckpointCodec}, and a footer: the CRC-32 of every byte before it, as a long. Both directions stream
 * through the checksum, as Lucene's {@code CodecUtil} footers do, so a file is never assembled in memory. Writes
 * go through {@link DurableFile}; reads through a {@link BoundedReader} that trusts nothing, so a crafted file
 * fails with a {@link CheckpointException}, never with another exception or an allocation larger than the file.
 *
 * @param settings the settings that define the training run as text pairs, such as {@code optimizer=ADAM};
 *                 imported models hold where they came from
 * @param run      the run to resume, or null for a model without one (imported, or exported for sampling)
 */
public record Checkpoint(ModelShape shape, Vocabulary vocabulary, Map<String, String> settings, float[] parameters,
                         RunState run) {

    /** The version this Gatelane writes; every earlier one still reads. */
    public static final int FORMAT_VERSION = CheckpointCodec.VERSION;
    private static final byte[] MAGIC = "GATELANE".getBytes(StandardCharsets.US_ASCII);
    private static final int FOOTER_BYTES = Long.BYTES;

    public Checkpoint {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(vocabulary, "vocabulary");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(parameters, "parameters");
    }

    /** A model with no run to resume: an import, or a model made outside a training run. */
    public static Checkpoint modelOnly(RecurrentModel model, Vocabulary vocabulary, Map<String, String> settings) {
        return new Checkpoint(model.shape(), vocabulary, settings, model.parameters(), null);
    }

    /** The saved model, sharing this checkpoint's parameter array: for sampling, evaluation or fine-tuning. */
    public RecurrentModel model() {
        return new RecurrentModel(shape, parameters);
    }

    /** Whether the file holds a training run that {@code --resume} can continue. */
    public boolean resumable() {
        return run != null;
    }

    /**
     * Writes durably and atomically: a crash at any moment leaves either the old file or this one.
     *
     * @throws CheckpointException if a parameter is NaN or infinite, naming it; nothing is written
     */
    public void write(Path file) throws IOException {
        String poisoned = new ParameterLayout(shape).firstNonFinite(parameters);
        if (poisoned != null) {
            throw new CheckpointException("refusing to write " + file + ": its model is not finite (" + poisoned + ")");
        }
        DurableFile.replace(file, raw -> {
            CheckedOutputStream checked = new CheckedOutputStream(raw, new CRC32());
            DataOutputStream out = new DataOutputStream(checked);
            out.write(MAGIC);
            out.writeInt(FORMAT_VERSION);
            CheckpointCodec.encode(this, out);
            out.flush();
            new DataOutputStream(raw).writeLong(checked.getChecksum().getValue());
        });
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
            checkpoint = CheckpointCodec.decode(reader, version);
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
}
