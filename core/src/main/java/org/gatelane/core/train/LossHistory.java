package org.gatelane.core.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

import org.gatelane.core.infer.Evaluation;
import org.gatelane.core.io.DurableFile;

/**
 * The loss history as CSV beside the checkpoint ({@code iteration,seconds,kind,loss_nats}: seconds of training
 * wall time, validations excluded; kind {@code train}, {@code smoothed} or {@code validation}). A listener of the
 * training loop.
 *
 * <p>The history is the checkpoint's: rows reach the file only after the checkpoint they lead up to is written,
 * so a run resumed from a checkpoint continues a history that ends where the checkpoint does, and a new run
 * replaces an older history only once its own first checkpoint has replaced the older checkpoint (a run that
 * fails before that leaves both as they were).
 */
public final class LossHistory implements TrainingListener {

    /** The first line of every history file. */
    public static final String HEADER = "iteration,seconds,kind,loss_nats";

    private final Path file;
    private final StringBuilder pending = new StringBuilder();
    private boolean replace;

    private LossHistory(Path file, boolean replace) {
        this.file = file;
        this.replace = replace;
    }

    /** The history of a new run: any older file is replaced at the run's first checkpoint. */
    public static LossHistory replacing(Path file) {
        return new LossHistory(file, true);
    }

    /** The history of a resumed run: its rows follow the file's. */
    public static LossHistory appending(Path file) {
        return new LossHistory(file, false);
    }

    /** The history of the run saved in {@code checkpoint}: the same name with {@code .csv} appended. */
    public static Path fileBeside(Path checkpoint) {
        return checkpoint.resolveSibling(checkpoint.getFileName() + ".csv");
    }

    @Override
    public void logged(long iteration, float loss, double smoothedLoss, double trainedSeconds) {
        String at = iteration + "," + format(trainedSeconds);
        pending.append(at).append(",train,").append(format(loss)).append('\n')
                .append(at).append(",smoothed,").append(format(smoothedLoss)).append('\n');
    }

    @Override
    public void validated(long iteration, double trainedSeconds, Evaluation score, boolean best) {
        pending.append(iteration).append(',').append(format(trainedSeconds)).append(",validation,")
                .append(format(score.nats())).append('\n');
    }

    @Override
    public void checkpointed(long iteration, Evaluation score, Path checkpoint, Path bestFile) {
        flush();
    }

    @Override
    public void interrupted(long iteration, Path checkpoint) {
        flush();
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%.6f", value);
    }

    private void flush() {
        try {
            if (replace) {
                String rows = HEADER + "\n" + pending;
                DurableFile.replace(file, out -> out.write(rows.getBytes(StandardCharsets.UTF_8)));
                replace = false;
            } else {
                Files.createDirectories(file.toAbsolutePath().getParent());
                boolean fresh = !Files.exists(file);
                try (BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                    if (fresh) {
                        writer.write(HEADER + "\n");
                    }
                    writer.write(pending.toString());
                }
            }
            pending.setLength(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
