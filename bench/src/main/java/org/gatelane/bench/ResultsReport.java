package org.gatelane.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.gatelane.kernels.Kernels;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Renders JMH JSON results (and optionally the anchors' JSON lines: PyTorch's and oneDNN's) into a Markdown
 * table, a roofline of the kernels under the same run's ceilings, and grouped bars of Gatelane's and each
 * anchor's chars/s, each labelled with the CPU, the JDK and the vector width.
 *
 * <p>Usage: {@code ResultsReport OUT_PREFIX JMH_JSON... [--pytorch FILE] [--onednn FILE]}; writes
 * {@code OUT_PREFIX.md}, {@code OUT_PREFIX-roofline.png} and {@code OUT_PREFIX-vs-anchors.png}.
 */
public final class ResultsReport {

    static final int VOCABULARY = 65;

    /** Each anchor's option and the name its columns and bars carry. */
    private static final Map<String, String> ANCHOR_OPTIONS = Map.of("--pytorch", "PyTorch", "--onednn", "oneDNN");

    /**
     * The ceilings measured in the same run: {@link PeakBenchmark} (GFLOP/s of one core) and
     * {@link BandwidthBenchmark} (GB/s of one core per buffer size in KiB). Kernels are stated as shares of these,
     * never of a constant; without them in the results, the share columns stay empty.
     */
    record Ceilings(double peakGflops, TreeMap<Integer, Double> bandwidthGbPerKib, long[] cacheBytes) {

        /**
         * The read bandwidth of the level that holds {@code bytes}: the measured buffers stand for L1, L2, L3 and
         * memory in order of size, and this machine's data cache sizes (from sysfs) say which level that is. A
         * 4.3 MB model fits this Zen 3's 32 MB L3, though not the 4 MiB buffer that measured it. Without sysfs,
         * the smallest buffer that holds the bytes.
         */
        double bandwidthFor(double bytes) {
            List<Double> levels = new ArrayList<>(bandwidthGbPerKib.values());
            if (cacheBytes.length > 0) {
                int level = 0;
                while (level < cacheBytes.length && cacheBytes[level] < bytes) {
                    level++;
                }
                return levels.get(Math.min(level, levels.size() - 1));
            }
            Map.Entry<Integer, Double> level = bandwidthGbPerKib.ceilingEntry((int) Math.ceil(bytes / 1024));
            return (level != null ? level : bandwidthGbPerKib.lastEntry()).getValue();
        }
    }

    /** This machine's data cache sizes in bytes, L1 first, from sysfs; empty where it has none. */
    static long[] dataCacheBytes() {
        TreeMap<Integer, Long> byLevel = new TreeMap<>();
        try (var entries = Files.newDirectoryStream(Path.of("/sys/devices/system/cpu/cpu0/cache"), "index*")) {
            for (Path index : entries) {
                if (Files.readString(index.resolve("type")).trim().equals("Instruction")) {
                    continue;
                }
                String size = Files.readString(index.resolve("size")).trim();
                long bytes = Long.parseLong(size.replaceAll("\\D", "")) * (size.endsWith("M") ? 1 << 20 : 1 << 10);
                byLevel.put(Integer.parseInt(Files.readString(index.resolve("level")).trim()), bytes);
            }
        } catch (IOException | RuntimeException e) {
            return new long[0];
        }
        return byLevel.values().stream().mapToLong(Long::longValue).toArray();
    }

    /** One benchmark configuration: its scalar and vector scores and allocation. */
    private record Row(String benchmark, String params, Map<String, Double> score, Map<String, Double> allocation) {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: ResultsReport OUT_PREFIX JMH_JSON... [--pytorch FILE] [--onednn FILE]");
            System.exit(2);
        }
        Path prefix = Path.of(args[0]);
        List<Path> inputs = new ArrayList<>();
        Map<String, Map<String, Double>> anchors = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (ANCHOR_OPTIONS.containsKey(args[i])) {
                anchors.put(ANCHOR_OPTIONS.get(args[i]), readAnchor(Path.of(args[++i])));
            } else {
                inputs.add(Path.of(args[i]));
            }
        }
        Map<String, Row> rows = new LinkedHashMap<>();
        String jdk = "?";
        double peak = Double.NaN;
        TreeMap<Integer, Double> bandwidth = new TreeMap<>();
        int bits = Kernels.vectorAvailable() ? Kernels.vectorBits() : 0;
        boolean avx2Forced = false;
        for (Path input : inputs) {
            JsonArray results = JsonParser.parseString(Files.readString(input)).getAsJsonArray();
            for (JsonElement element : results) {
                JsonObject result = element.getAsJsonObject();
                jdk = result.get("jdkVersion").getAsString() + " (" + result.get("vmName").getAsString() + ")";
                Map<String, String> params = new TreeMap<>();
                if (result.has("params")) {
                    result.getAsJsonObject("params").entrySet()
                            .forEach(e -> params.put(e.getKey(), e.getValue().getAsString()));
                }
                String implementation = params.remove("implementation");
                String benchmark = result.get("benchmark").getAsString().replace("org.gatelane.bench.", "");
                String jvmArgs = result.get("jvmArgs").toString();
                avx2Forced |= jvmArgs.contains("-XX:UseAVX=2");
                java.util.regex.Matcher width = java.util.regex.Pattern.compile("-Dgatelane.vectorBits=(\\d+)")
                        .matcher(jvmArgs);
                if (width.find()) {
                    bits = Integer.parseInt(width.group(1));
                }
                double score = result.getAsJsonObject("primaryMetric").get("score").getAsDouble();
                if (benchmark.startsWith("PeakBenchmark")) {
                    peak = score; // vector FMAs per second; FLOPs once the width is known
                    continue;
                }
                if (benchmark.startsWith("BandwidthBenchmark")) {
                    int kib = Integer.parseInt(params.get("kib"));
                    bandwidth.put(kib, score * kib * 1024 / 1e9);
                    continue;
                }
                String key = benchmark + " " + params;
                Row row = rows.computeIfAbsent(key, k -> new Row(benchmark, params.toString(), new TreeMap<>(),
                        new TreeMap<>()));
                row.score().put(implementation, score);
                JsonObject secondary = result.getAsJsonObject("secondaryMetrics");
                if (secondary != null && secondary.has("gc.alloc.rate.norm")) {
                    row.allocation().put(implementation,
                            secondary.getAsJsonObject("gc.alloc.rate.norm").get("score").getAsDouble());
                }
            }
        }
        if (avx2Forced) {
            // The forks ran with 256-bit vectors at most; this JVM, started without the flag, reports its own width.
            bits = Math.min(bits, 256);
        }
        Ceilings ceilings = new Ceilings(peak * 2 * (bits / 32.0) / 1e9, bandwidth, dataCacheBytes());
        String label = String.format(Locale.ROOT, "%s, JDK %s, vector width %d bits%s; same-run peak %.1f GFLOP/s, "
                        + "read bandwidth %s GB/s (L1, L2, L3, memory)", cpuModel(), jdk, bits,
                avx2Forced ? " (-XX:UseAVX=2)" : "", ceilings.peakGflops(), bandwidth.values().stream()
                        .map(b -> String.format(Locale.ROOT, "%.0f", b)).toList());
        Files.writeString(Path.of(prefix + ".md"), markdown(rows.values(), anchors, label, ceilings),
                StandardCharsets.UTF_8);
        // The charts' titles name the machine and the width; the Markdown holds the full label.
        String title = String.format(Locale.ROOT, "%s, JDK %s, %d-bit vectors%s", cpuModel(),
                jdk.replaceAll(" \\(.*", ""), bits, avx2Forced ? " (-XX:UseAVX=2)" : "");
        roofline(rows.values(), title, ceilings, Path.of(prefix + "-roofline.png"));
        versusAnchors(rows.values(), anchors, title, Path.of(prefix + "-vs-anchors.png"));
    }

    private static String markdown(Iterable<Row> rows, Map<String, Map<String, Double>> anchors, String label,
                                   Ceilings ceilings) {
        StringBuilder md = new StringBuilder("# Gatelane benchmark results\n\n" + label + "\n\n");
        md.append("Scores are JMH's mean throughput over the measured iterations; ratios are vector / "
                + "scalar from the same run. Allocation is bytes per operation from `-prof gc`; JMH's own bookkeeping of a "
                + "few kilobytes per iteration shows up there as a few bytes per operation on slow operations. Each "
                + "anchor's column is its median chars/s in the same sitting.\n\n");
        md.append("| benchmark | parameters | scalar | vector | vector/scalar | vector throughput | "
                + "alloc B/op (vector) |");
        anchors.keySet().forEach(anchor -> md.append(" ").append(anchor).append(" | Gatelane/").append(anchor)
                .append(" |"));
        md.append("\n|---|---|---|---|---|---|---|").append("---|---|".repeat(anchors.size())).append("\n");
        for (Row row : rows) {
            Double scalar = row.score().get("scalar");
            Double vector = row.score().get("vector");
            Throughput unit = Throughput.of(row.benchmark(), row.params());
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |",
                    row.benchmark(), row.params(), unit.format(scalar), unit.format(vector),
                    scalar != null && vector != null ? String.format(Locale.ROOT, "%.1fx", vector / scalar) : "",
                    unit.detail(vector, ceilings), row.allocation().containsKey("vector")
                            ? String.format(Locale.ROOT, "%.0f", row.allocation().get("vector")) : ""));
            for (Map<String, Double> anchor : anchors.values()) {
                Double anchorScore = unit.anchorKey == null ? null : anchor.get(unit.anchorKey);
                md.append(String.format(Locale.ROOT, " %s | %s |",
                        anchorScore == null ? "" : String.format(Locale.ROOT, "%,.0f chars/s", anchorScore),
                        anchorScore == null || vector == null ? ""
                                : String.format(Locale.ROOT, "%.2fx", unit.perSecond(vector) / anchorScore)));
            }
            md.append("\n");
        }
        return md.toString();
    }

    /**
     * What one operation of a benchmark is worth: its units (for the throughput column), its FLOPs and the least
     * bytes it must move (for the roofline), and whether those bytes or the FLOPs bound it.
     */
    private record Throughput(double unitsPerOp, String unit, double flopsPerOp, double bytesPerOp,
                              boolean bandwidthBound, int threads, String anchorKey) {

        static Throughput of(String benchmark, String params) {
            Map<String, String> p = parse(params);
            String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
            if (benchmark.startsWith("MatrixBenchmark")) {
                int m = Integer.parseInt(p.get("batch")), k = Shapes.depth(p.get("shape"));
                int n = 4 * Shapes.hidden(p.get("shape"));
                return compute(2.0 * m * k * n, 4.0 * ((double) m * k + (double) k * n + 2.0 * m * n));
            }
            if (benchmark.startsWith("WeightGradientBenchmark")) {
                // Results recorded before the rows parameter ran 800 rows.
                int rows = Integer.parseInt(p.getOrDefault("rows", "800")), k = Shapes.depth(p.get("shape"));
                int n = 4 * Shapes.hidden(p.get("shape"));
                return compute(2.0 * rows * k * n, 4.0 * ((double) rows * k + (double) rows * n + 2.0 * k * n));
            }
            if (benchmark.startsWith("GemvBenchmark")) {
                // Bound by reading W_h, 4·H·4H bytes per call, for 2·H·4H FLOPs.
                int h = Integer.parseInt(p.get("hidden"));
                return new Throughput(1, "ops/s", 8.0 * h * h, 16.0 * h * h, true, 1, null);
            }
            if (benchmark.startsWith("TrainingBenchmark")) {
                String[] c = p.get("config").split("/"); // H / T / B / stream groups / threads
                int h = Integer.parseInt(c[0]), t = Integer.parseInt(c[1]), b = Integer.parseInt(c[2]);
                int threads = Integer.parseInt(c[4]);
                // FLOPs per character: 3·(2·H·G + 2·H·V), G = 4H for the LSTM, 3H for the GRU.
                double gates = "gru".equals(p.get("cell")) ? 3 : 4;
                String cell = "gru".equals(p.get("cell")) ? "gru-" : "";
                return new Throughput(t * b, "chars/s", (double) t * b * (6 * gates * h * h + 6.0 * VOCABULARY * h),
                        0, false, threads, cell + "train/" + h + "/" + t + "/" + b + "/" + threads);
            }
            if (benchmark.startsWith("SamplingBenchmark")) {
                int h = Integer.parseInt(p.get("hidden"));
                // Bound by reading the weights: W_h, W_x's one row, Wy.
                return new Throughput(1, "chars/s", 2.0 * (4.0 * h * h + h * VOCABULARY),
                        4.0 * (4.0 * h * h + h * VOCABULARY), true, 1, "sample/" + h + "/1/1/1");
            }
            int h = Integer.parseInt(p.getOrDefault("hidden", "1"));
            double elements = switch (method) {
                case "sigmoid", "tanh", "dropoutMask" -> 4.0 * h;
                case "cellForwardBackward", "gruCellForwardBackward" -> h;
                case "softmaxCrossEntropy" -> VOCABULARY;
                default -> (VOCABULARY + h) * 4.0 * h + 4.0 * h + h * VOCABULARY + VOCABULARY;
            };
            return new Throughput(elements, "elements/s", 0, 0, false, 1, null);
        }

        private static Throughput compute(double flops, double bytes) {
            return new Throughput(1, "ops/s", flops, bytes, false, 1, null);
        }

        /** FLOPs per byte moved: the kernel's x on the roofline, or NaN where it has no place there. */
        double intensity() {
            return flopsPerOp > 0 && bytesPerOp > 0 ? flopsPerOp / bytesPerOp : Double.NaN;
        }

        double perSecond(double opsPerSecond) {
            return opsPerSecond * unitsPerOp;
        }

        String format(Double opsPerSecond) {
            return opsPerSecond == null ? "" : String.format(Locale.ROOT, "%,.0f %s", perSecond(opsPerSecond), unit);
        }

        /** GFLOP/s as a share of the same-run peak, or GB/s as a share of the bandwidth where the data lives. */
        String detail(Double opsPerSecond, Ceilings ceilings) {
            if (opsPerSecond == null) {
                return "";
            }
            if (bandwidthBound && !ceilings.bandwidthGbPerKib().isEmpty()) {
                double gbs = opsPerSecond * bytesPerOp / 1e9;
                return String.format(Locale.ROOT, "%.1f GB/s (%.0f%% of the bandwidth roofline)", gbs,
                        100 * gbs / ceilings.bandwidthFor(bytesPerOp));
            }
            if (flopsPerOp > 0) {
                double gflops = opsPerSecond * flopsPerOp / 1e9;
                return String.format(Locale.ROOT, "%.1f GFLOP/s (%.0f%% of peak)", gflops,
                        100 * gflops / (ceilings.peakGflops() * threads));
            }
            return String.format(Locale.ROOT, "%.2f ns/element", 1e9 / perSecond(opsPerSecond));
        }

        private static Map<String, String> parse(String params) {
            Map<String, String> map = new TreeMap<>();
            String inner = params.substring(1, params.length() - 1);
            if (!inner.isBlank()) {
                for (String pair : inner.split(", ")) {
                    map.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
                }
            }
            return map;
        }
    }

    /**
     * Median chars/s per job from an anchor's JSON lines, keyed as {@link Throughput#anchorKey}: PyTorch's
     * script writes {@code mode} and {@code median}, oneDNN's (training only) {@code chars_per_s_median}. The
     * last line per key wins.
     */
    private static Map<String, Double> readAnchor(Path file) throws IOException {
        Map<String, Double> medians = new TreeMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank() || !line.startsWith("{")) {
                continue;
            }
            JsonObject record = JsonParser.parseString(line).getAsJsonObject();
            String median = record.has("median") ? "median" : "chars_per_s_median";
            if (!record.has(median) || !record.has("H")) {
                continue;
            }
            String mode = record.has("mode") ? record.get("mode").getAsString() : "train";
            String key = mode + "/" + record.get("H").getAsInt() + "/"
                    + (record.has("T") ? record.get("T").getAsInt() : 1) + "/" + record.get("B").getAsInt() + "/"
                    + record.get("threads").getAsInt();
            medians.put(key, record.get(median).getAsDouble());
        }
        return medians;
    }

    /**
     * The roofline of this run: GFLOP/s against FLOPs per byte, on log axes, under the same-run peak and one
     * bandwidth ceiling per cache level; one point per vector kernel and shape.
     */
    private static void roofline(Iterable<Row> rows, String label, Ceilings ceilings, Path png) throws IOException {
        XYChart chart = new XYChartBuilder().width(1100).height(700).title("Roofline: " + label)
                .xAxisTitle("arithmetic intensity (FLOP/byte)").yAxisTitle("GFLOP/s").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setYAxisMin(1.0);
        chart.getStyler().setYAxisDecimalPattern("#,##0");
        chart.getStyler().setXAxisDecimalPattern("#,##0.##");
        chart.getStyler().setChartTitleFont(chart.getStyler().getChartTitleFont().deriveFont(12f));
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        Map<String, List<double[]>> kernels = new TreeMap<>();
        for (Row row : rows) {
            Double vector = row.score().get("vector");
            Throughput unit = Throughput.of(row.benchmark(), row.params());
            if (vector != null && !Double.isNaN(unit.intensity())) {
                String kernel = row.benchmark().substring(row.benchmark().indexOf('.') + 1);
                kernels.computeIfAbsent(kernel, k -> new ArrayList<>())
                        .add(new double[] {unit.intensity(), vector * unit.flopsPerOp() / 1e9});
            }
        }
        double lowest = 0.1, highest = 100;
        for (List<double[]> points : kernels.values()) {
            for (double[] point : points) {
                lowest = Math.min(lowest, point[0] / 2);
                highest = Math.max(highest, point[0] * 2);
            }
        }
        if (!Double.isNaN(ceilings.peakGflops())) {
            String[] levels = {"L1", "L2", "L3", "memory"};
            int level = 0;
            for (Map.Entry<Integer, Double> bandwidth : ceilings.bandwidthGbPerKib().entrySet()) {
                String name = String.format(Locale.ROOT, "%s %.0f GB/s (%d KiB)",
                        level < levels.length ? levels[level] : "", bandwidth.getValue(), bandwidth.getKey());
                double ridge = ceilings.peakGflops() / bandwidth.getValue();
                double[] x = {lowest, Math.max(lowest, Math.min(ridge, highest)), highest};
                double[] y = {bandwidth.getValue() * lowest, bandwidth.getValue() * x[1], ceilings.peakGflops()};
                chart.addSeries(name, x, y).setMarker(SeriesMarkers.NONE).setLineStyle(SeriesLines.DASH_DASH);
                level++;
            }
            chart.addSeries(String.format(Locale.ROOT, "peak %.0f GFLOP/s", ceilings.peakGflops()),
                    new double[] {lowest, highest}, new double[] {ceilings.peakGflops(), ceilings.peakGflops()})
                    .setMarker(SeriesMarkers.NONE);
        }
        for (Map.Entry<String, List<double[]>> kernel : kernels.entrySet()) {
            double[] x = kernel.getValue().stream().mapToDouble(p -> p[0]).toArray();
            double[] y = kernel.getValue().stream().mapToDouble(p -> p[1]).toArray();
            chart.addSeries(kernel.getKey(), x, y).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        }
        save(chart, png);
    }

    /**
     * Grouped bars: chars/s of Gatelane's vector kernels and of each anchor, per training and sampling job that
     * at least one anchor ran (an anchor without the job has no bar there).
     */
    private static void versusAnchors(Iterable<Row> rows, Map<String, Map<String, Double>> anchors, String label,
                                      Path png) throws IOException {
        List<String> configurations = new ArrayList<>();
        List<Double> gatelane = new ArrayList<>();
        Map<String, List<Double>> anchorBars = new LinkedHashMap<>();
        anchors.keySet().forEach(anchor -> anchorBars.put(anchor, new ArrayList<>()));
        for (Row row : rows) {
            Double vector = row.score().get("vector");
            Throughput unit = Throughput.of(row.benchmark(), row.params());
            // One bar group per job an anchor ran: a second Gatelane configuration of the same job (two stream
            // groups on one thread) is in the table, not here.
            String job = unit.anchorKey() == null ? null
                    : unit.anchorKey().replace("train/", "train H/T/B/threads ").replace("sample/", "sample H ")
                            .replaceAll("/1/1/1$", "");
            boolean anyAnchor = job != null
                    && anchors.values().stream().anyMatch(anchor -> anchor.containsKey(unit.anchorKey()));
            if (vector != null && anyAnchor && !configurations.contains(job)) {
                configurations.add(job);
                gatelane.add(unit.perSecond(vector) / 1000);
                // XChart draws a category's missing value as no bar when it is null.
                anchors.forEach((anchor, medians) -> {
                    Double median = medians.get(unit.anchorKey());
                    anchorBars.get(anchor).add(median == null ? null : median / 1000);
                });
            }
        }
        if (configurations.isEmpty()) {
            return; // no job measured on both sides: no chart rather than an empty one
        }
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(900, 110 * configurations.size())).height(600)
                .title("Gatelane, " + String.join(" and ", anchors.keySet()) + ", one thread unless stated: " + label)
                .xAxisTitle("job").yAxisTitle("k chars/s (log)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setYAxisMin(0.1);
        chart.getStyler().setYAxisDecimalPattern("#,##0.#");
        chart.getStyler().setXAxisLabelRotation(30);
        chart.getStyler().setChartTitleFont(chart.getStyler().getChartTitleFont().deriveFont(12f));
        chart.addSeries("Gatelane", configurations, gatelane);
        anchorBars.forEach((anchor, bars) -> chart.addSeries(anchor, configurations, bars));
        save(chart, png);
    }

    private static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path png) throws IOException {
        BitmapEncoder.saveBitmap(chart, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    }

    /** The CPU as {@code /proc/cpuinfo} names it (model name, family, model) and the cores this JVM sees. */
    static String cpuModel() {
        try {
            List<String> cpuinfo = Files.readAllLines(Path.of("/proc/cpuinfo"));
            return field(cpuinfo, "model name") + " (family " + field(cpuinfo, "cpu family") + ", model "
                    + field(cpuinfo, "model") + "), " + Runtime.getRuntime().availableProcessors() + " cores";
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    private static String field(List<String> cpuinfo, String name) {
        return cpuinfo.stream().filter(l -> l.startsWith(name + "\t") || l.startsWith(name + " ")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
    }
}
