package org.gatelane.core.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Replaces a file so that a crash at any moment leaves either the old file or the complete new one: the bytes go
 * to a temporary file in the same folder, are forced to disk, renamed over the target, and the folder is forced.
 *
 * <p>The temporary file is named {@code .NAME.DIGITS.partial}, unique to this write. A write that a kill
 * interrupts leaves it behind, and the next write of the same name removes it; nothing matches another name's
 * temporary files, so the writers of other files in the same folder (another run, a {@code .best} copy, a
 * checkpoint named {@code NAME.v2}, an export) never touch each other's.
 */
public final class DurableFile {

    private DurableFile() {
    }

    /** What writes the file's bytes; the stream is buffered and closed by {@link #replace}. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code body} to {@code file} durably and atomically, replacing what was there.
     *
     * @throws IOException naming {@code file} and the cause (a full disk, a folder in the way, no permission);
     *                     {@code file} is then as it was
     */
    public static void replace(Path file, Body body) throws IOException {
        try {
            write(file, body);
        } catch (IOException e) {
            throw new IOException("cannot write " + file + ": " + reason(e), e);
        }
    }

    /** What went wrong: a file-system exception's message is often only the path, its reason or its kind tells. */
    private static String reason(IOException e) {
        if (e instanceof FileSystemException fs) {
            return fs.getReason() != null ? fs.getReason() : words(fs.getClass().getSimpleName());
        }
        return e.getMessage() != null ? e.getMessage() : words(e.getClass().getSimpleName());
    }

    /** {@code DirectoryNotEmptyException} as {@code directory not empty}. */
    private static String words(String exceptionName) {
        return exceptionName.replaceAll("Exception$", "").replaceAll("([a-z])([A-Z])", "$1 $2")
                .toLowerCase(Locale.ROOT);
    }

    private static void write(Path file, Body body) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        Files.createDirectories(folder);
        removeLeftovers(folder, file.getFileName().toString());
        Path temporary = Files.createTempFile(folder, "." + file.getFileName() + ".", ".partial");
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
                body.writeTo(out);
                out.flush();
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

    /** Deletes the temporary files of earlier writes of {@code name} that a crash or a kill interrupted. */
    private static void removeLeftovers(Path folder, String name) throws IOException {
        Pattern leftover = Pattern.compile("\\." + Pattern.quote(name) + "\\.\\d+\\.partial");
        try (Stream<Path> files = Files.list(folder)) {
            for (Path path : (Iterable<Path>) files::iterator) {
                if (leftover.matcher(path.getFileName().toString()).matches()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    /** Makes the rename itself durable; where a folder cannot be opened for that (not Linux), the rename stands. */
    private static void forceFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException notSupported) {
            // Only durability across a power loss is at stake; the file itself is complete either way.
        }
    }
}
