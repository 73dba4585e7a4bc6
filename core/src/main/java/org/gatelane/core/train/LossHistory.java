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

/**
 * The loss history as CSV beside the checkpoint ({@code iteration,seconds,kind,loss_nats}: seconds of training
 * wall time, validations excluded; kind {@code train}, {@code smoothed} or {@code validation}), appended as
 * training goes so a resumed run continues the same file. A listener of the training loop.
 */
public final class LossHistory implements TrainingListener {

    /** The first line of every history file. */
    public static final String HEADER = "iteration,seconds,kind,loss_nats";

    private final Path file;

    public LossHistory(Path file) {
        this.file = file;
    }

    /** The history of the run saved in {@code checkpoint}: the same name with {@code .csv} appended. */
    public static Path fileBeside(Path checkpoint) {
        return checkpoint.resolveSibling(checkpoint.getFileName() + ".csv");
    }

    @Override
    public void logged(long iteration, float loss, double smoothedLoss, double trainedSeconds) {
        String at = iteration + "," + format(trainedSeconds);
        append(at + ",train," + format(loss) + "\n" + at + ",smoothed," + format(smoothedLoss));
    }

    @Override
    public void validated(long iteration, double trainedSeconds, Evaluation score, boolean best) {
        append(iteration + "," + format(trainedSeconds) + ",validation," + format(score.nats()));
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%.6f", value);
    }

    private void append(String lines) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            boolean fresh = !Files.exists(file);
            try (BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                if (fresh) {
                    writer.write(HEADER + "\n");
                }
                writer.write(lines + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
