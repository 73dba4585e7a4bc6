package org.gatelane.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.gatelane.core.io.DurableFile;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** The chart of a loss history ({@code org.gatelane.core.train.LossHistory}), against iterations or minutes. */
final class LossPlot {

    /** The x-axis of a plot. */
    enum Axis { ITERATION, TIME }

    private LossPlot() {
    }

    /**
     * Draws the smoothed training loss and the validation loss of {@code csv} into a PNG, against iterations
     * or minutes of training. Lines of the older three-column history (no seconds) count for iterations only.
     */
    static void draw(Path csv, Path png, Axis axis) throws IOException {
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
        byte[] image = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        DurableFile.replace(png, out -> out.write(image));
    }

    /**
     * Refuses, before a training starts, a plot path that could not be written as given: a folder, something that
     * is not a regular file (a device such as {@code /dev/full}), or a file in a folder that does not exist or
     * cannot be written.
     *
     * @throws IllegalArgumentException saying which
     */
    static void requireWritable(Path png) {
        if (Files.isDirectory(png)) {
            throw new IllegalArgumentException("--plot " + png + " is a folder; give the PNG file's name");
        }
        if (Files.exists(png) && !Files.isRegularFile(png)) {
            throw new IllegalArgumentException("--plot " + png + " is not a regular file; give the PNG file's name");
        }
        Path folder = png.toAbsolutePath().getParent();
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("--plot " + png + ": the folder " + folder + " does not exist");
        }
        if (!Files.isWritable(folder)) {
            throw new IllegalArgumentException("--plot " + png + ": the folder " + folder + " cannot be written");
        }
    }
}
