package org.gatelane.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * The loss history as CSV beside the checkpoint ({@code iteration,seconds,kind,loss_nats}: seconds of training
 * wall time, validations excluded; kind {@code train}, {@code smoothed} or {@code validation}), appended as
 * training goes so a resumed run continues the same file; and its chart, against iterations or minutes.
 */
final class LossHistory {

    private static final String HEADER = "iteration,seconds,kind,loss_nats";

    /** The x-axis of a plot. */
    enum Axis { ITERATION, TIME }

    private final Path file;

    LossHistory(Path file) {
        this.file = file;
    }

    static Path fileBeside(Path checkpoint) {
        return checkpoint.resolveSibling(checkpoint.getFileName() + ".csv");
    }

    void train(long iteration, double seconds, double loss, double smoothed) throws IOException {
        String at = iteration + "," + format(seconds);
        append(at + ",train," + format(loss) + "\n" + at + ",smoothed," + format(smoothed));
    }

    void validation(long iteration, double seconds, double nats) throws IOException {
        append(iteration + "," + format(seconds) + ",validation," + format(nats));
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%.6f", value);
    }

    private void append(String lines) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        Files.createDirectories(folder);
        boolean fresh = !Files.exists(file);
        try (BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            if (fresh) {
                writer.write(HEADER + "\n");
            }
            writer.write(lines + "\n");
        }
    }

    /**
     * Draws the smoothed training loss and the validation loss of {@code csv} into a PNG, against iterations
     * or minutes of training. Lines of the older three-column history (no seconds) count for iterations only.
     */
    static void plot(Path csv, Path png, Axis axis) throws IOException {
        List<Double> trainX = new ArrayList<>(), trainY = new ArrayList<>();
        List<Double> validX = new ArrayList<>(), validY = new ArrayList<>();
        if (!Files.exists(csv)) {
            throw new IllegalArgumentException("no loss history at " + csv + " to plot yet");
        }
        for (String line : Files.readAllLines(csv, StandardCharsets.UTF_8)) {
            String[] cells = line.split(",");
            if (cells.length < 3 || cells[0].equals("iteration") || (cells.length == 3 && axis == Axis.TIME)) {
                continue;
            }
            String kind = cells[cells.length - 2];
            double x = axis == Axis.TIME ? Double.parseDouble(cells[1]) / 60 : Double.parseDouble(cells[0]);
            double y = Double.parseDouble(cells[cells.length - 1]);
            switch (kind) {
                case "smoothed" -> { trainX.add(x); trainY.add(y); }
                case "validation" -> { validX.add(x); validY.add(y); }
                default -> { }
            }
        }
        XYChart chart = new XYChartBuilder().width(800).height(500).title("Gatelane training")
                .xAxisTitle(axis == Axis.TIME ? "minutes of training" : "iteration").yAxisTitle("cross-entropy (nats per character)").build();
        if (!trainX.isEmpty()) {
            chart.addSeries("training (smoothed)", trainX, trainY);
        }
        if (!validX.isEmpty()) {
            chart.addSeries("validation", validX, validY);
        }
        String name = png.toString().endsWith(".png") ? png.toString().substring(0, png.toString().length() - 4)
                : png.toString();
        BitmapEncoder.saveBitmap(chart, name, BitmapEncoder.BitmapFormat.PNG);
    }
}
