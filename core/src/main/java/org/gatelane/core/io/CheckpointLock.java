package org.gatelane.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * An operating-system lock on {@code NAME.lock} beside a checkpoint, held by the one run that writes the
 * checkpoint, its {@code .best} copy and its history. A second run on the same checkpoint is refused in one line
 * that names the holder; a run that died holds nothing (the system releases its lock with the process), so the
 * next run takes it. The lock file stays beside the checkpoint: removing it while another process may be opening
 * it would let two runs hold locks on two different files of the same name.
 */
public final class CheckpointLock implements AutoCloseable {

    private final FileChannel channel;
    private final FileLock lock;

    private CheckpointLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock file of {@code checkpoint}: the same name with {@code .lock} appended. */
    public static Path fileBeside(Path checkpoint) {
        return checkpoint.resolveSibling(checkpoint.getFileName() + ".lock");
    }

    /**
     * Takes the lock of {@code checkpoint}, creating its folder and lock file if needed.
     *
     * @throws CheckpointException if another run holds it, naming that run
     * @throws IOException         if the lock file cannot be created or locked
     */
    public static CheckpointLock acquire(Path checkpoint) throws IOException {
        Path file = fileBeside(checkpoint);
        Files.createDirectories(file.toAbsolutePath().getParent());
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException heldInThisProcess) {
            lock = null;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            String holder = holder(channel);
            channel.close();
            throw new CheckpointException(checkpoint + " is in use by another run (" + holder + "); wait for it to "
                    + "finish, or train into another --checkpoint");
        }
        ProcessHandle self = ProcessHandle.current();
        byte[] description = ("pid " + self.pid() + ", since " + Instant.now() + "\n")
                .getBytes(StandardCharsets.UTF_8);
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(description), 0);
        channel.force(false);
        return new CheckpointLock(channel, lock);
    }

    /** What the holding run wrote into the lock file, or a plain word where it wrote nothing yet. */
    private static String holder(FileChannel channel) {
        try {
            ByteBuffer bytes = ByteBuffer.allocate((int) Math.min(channel.size(), 200));
            channel.read(bytes, 0);
            String text = new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "holder unknown" : text;
        } catch (IOException e) {
            return "holder unknown";
        }
    }

    /** Releases the lock; the file stays. */
    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
