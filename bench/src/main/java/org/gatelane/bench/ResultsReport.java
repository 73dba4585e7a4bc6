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
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Renders JMH JSON results (and optionally the PyTorch anchor's JSON lines) into a Markdown table and a PNG
 * chart of vector-over-scalar speed-ups, labelled with the CPU, the JDK and the vector width.
 *
 * <p>Usage: {@code ResultsReport OUT_PREFIX JMH_JSON... [--pytorch FILE]}; writes {@code OUT_PREFIX.md} and
 * {@code OUT_PREFIX.png}.
 */
public final class ResultsReport {

    static final int VOCABULARY = 65;

    /**
     * The ceilings measured in the same run: {@link PeakBenchmark} (GFLOP/s of one core) and
     * {@link BandwidthBenchmark} (GB/s of one core per buffer size in KiB). Kernels are stated as shares of these,
     * never of a constant; without them in the results, the share columns stay empty.
     */
    record Ceilings(double peakGflops, TreeMap<Integer, Double> bandwidthGbPerKib) {

        /** The bandwidth of the smallest measured level that holds {@code bytes}, or of the largest. */
        double bandwidthFor(double bytes) {
            Map.Entry<Integer, Double> level = bandwidthGbPerKib.ceilingEntry((int) Math.ceil(bytes / 1024));
            return (level != null ? level : bandwidthGbPerKib.lastEntry()).getValue();
        }
    }

    /** One benchmark configuration: its scalar and vector scores and allocation. */
    private record Row(String benchmark, String params, Map<String, Double> score, Map<String, Double> allocation) {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: ResultsReport OUT_PREFIX JMH_JSON... [--pytorch FILE]");
            System.exit(2);
        }
        Path prefix = Path.of(args[0]);
        List<Path> inputs = new ArrayList<>();
        Path pytorch = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--pytorch")) {
                pytorch = Path.of(args[++i]);
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
        Map<String, Double> torch = pytorch == null ? Map.of() : readPytorch(pytorch);
        Ceilings ceilings = new Ceilings(peak * 2 * (bits / 32.0) / 1e9, bandwidth);
        String label = String.format(Locale.ROOT, "%s, JDK %s, vector width %d bits%s; same-run peak %.1f GFLOP/s, "
                        + "read bandwidth %s GB/s (L1, L2, L3, memory)", cpuModel(), jdk, bits,
                avx2Forced ? " (-XX:UseAVX=2)" : "", ceilings.peakGflops(), bandwidth.values().stream()
                        .map(b -> String.format(Locale.ROOT, "%.0f", b)).toList());
        Files.writeString(Path.of(prefix + ".md"), markdown(rows.values(), torch, label, ceilings),
                StandardCharsets.UTF_8);
        chart(rows.values(), label, Path.of(prefix + ".png"));
    }

    private static String markdown(Iterable<Row> rows, Map<String, Double> torch, String label, Ceilings ceilings) {
        StringBuilder md = new StringBuilder("# Gatelane benchmark results\n\n" + label + "\n\n");
        md.append("Scores are JMH's mean throughput over the measured iterations; ratios are vector / "
                + "scalar from the same run. Allocation is bytes per operation from `-prof gc`; JMH's own bookkeeping of a "
                + "few kilobytes per iteration shows up there as a few bytes per operation on slow operations.\n\n");
        md.append("| benchmark | parameters | scalar | vector | vector/scalar | vector throughput | alloc B/op "
                + "(vector) | PyTorch | Gatelane/PyTorch |\n|---|---|---|---|---|---|---|---|---|\n");
        for (Row row : rows) {
            Double scalar = row.score().get("scalar");
            Double vector = row.score().get("vector");
            Throughput unit = Throughput.of(row.benchmark(), row.params());
            Double torchScore = unit.pytorchKey == null ? null : torch.get(unit.pytorchKey);
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    row.benchmark(), row.params(), unit.format(scalar), unit.format(vector),
                    scalar != null && vector != null ? String.format(Locale.ROOT, "%.1fx", vector / scalar) : "",
                    unit.detail(vector, ceilings), row.allocation().containsKey("vector")
                            ? String.format(Locale.ROOT, "%.0f", row.allocation().get("vector")) : "",
                    torchScore == null ? "" : String.format(Locale.ROOT, "%,.0f chars/s", torchScore),
                    torchScore == null || vector == null ? ""
                            : String.format(Locale.ROOT, "%.1fx", unit.perSecond(vector) / torchScore)));
        }
        return md.toString();
    }

    /** What one operation of a benchmark is worth, for its throughput column. */
    private record Throughput(double unitsPerOp, String unit, double flopsPerOp, double bytesPerOp, int threads,
                              String pytorchKey) {

        static Throughput of(String benchmark, String params) {
            Map<String, String> p = parse(params);
            String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
            if (benchmark.startsWith("MatrixBenchmark")) {
                double flops = 2.0 * Integer.parseInt(p.get("batch")) * Shapes.depth(p.get("shape"))
                        * 4 * Shapes.hidden(p.get("shape"));
                return new Throughput(1, "ops/s", flops, 0, 1, null);
            }
            if (benchmark.startsWith("WeightGradientBenchmark")) {
                double flops = 2.0 * WeightGradientBenchmark.ROWS * Shapes.depth(p.get("shape")) * 4
                        * Shapes.hidden(p.get("shape"));
                return new Throughput(1, "ops/s", flops, 0, 1, null);
            }
            if (benchmark.startsWith("GemvBenchmark")) {
                // Bound by reading W_h, 4·H·4H bytes per call.
                int h = Integer.parseInt(p.get("hidden"));
                return new Throughput(1, "ops/s", 0, 16.0 * h * h, 1, null);
            }
            if (benchmark.startsWith("TrainingBenchmark")) {
                String[] c = p.get("config").split("/"); // H / T / B / stream groups / threads
                int h = Integer.parseInt(c[0]), t = Integer.parseInt(c[1]), b = Integer.parseInt(c[2]);
                int threads = Integer.parseInt(c[4]);
                // FLOPs per character: 3·(2·H·G + 2·H·V), G = 4H for the LSTM, 3H for the GRU.
                double gates = "gru".equals(p.get("cell")) ? 3 : 4;
                String cell = "gru".equals(p.get("cell")) ? "gru-" : "";
                return new Throughput(t * b, "chars/s", (double) t * b * (6 * gates * h * h + 6.0 * VOCABULARY * h),
                        0, threads, cell + "train/" + h + "/" + t + "/" + b + "/" + threads);
            }
            if (benchmark.startsWith("SamplingBenchmark")) {
                int h = Integer.parseInt(p.get("hidden"));
                // Bound by reading the weights: W_h, W_x's one row, Wy.
                return new Throughput(1, "chars/s", 0, 4.0 * (4.0 * h * h + h * VOCABULARY), 1,
                        "sample/" + h + "/1/1/1");
            }
            int h = Integer.parseInt(p.getOrDefault("hidden", "1"));
            double elements = switch (method) {
                case "sigmoid", "tanh" -> 4.0 * h;
                case "cellForwardBackward", "gruCellForwardBackward" -> h;
                case "softmaxCrossEntropy" -> VOCABULARY;
                default -> (VOCABULARY + h) * 4.0 * h + 4.0 * h + h * VOCABULARY + VOCABULARY;
            };
            return new Throughput(elements, "elements/s", 0, 0, 1, null);
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
            if (flopsPerOp > 0) {
                double gflops = opsPerSecond * flopsPerOp / 1e9;
                return String.format(Locale.ROOT, "%.1f GFLOP/s (%.0f%% of peak)", gflops,
                        100 * gflops / (ceilings.peakGflops() * threads));
            }
            if (bytesPerOp > 0 && !ceilings.bandwidthGbPerKib().isEmpty()) {
                double gbs = opsPerSecond * bytesPerOp / 1e9;
                return String.format(Locale.ROOT, "%.1f GB/s (%.0f%% of the bandwidth roofline)", gbs,
                        100 * gbs / ceilings.bandwidthFor(bytesPerOp));
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

    /** Median chars/s per configuration from the anchor script's JSON lines (the last line per key wins). */
    private static Map<String, Double> readPytorch(Path file) throws IOException {
        Map<String, Double> medians = new TreeMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonObject record = JsonParser.parseString(line).getAsJsonObject();
            if (!record.has("median") || !record.has("H")) {
                continue;
            }
            String mode = record.get("mode").getAsString();
            String key = mode + "/" + record.get("H").getAsInt() + "/"
                    + (record.has("T") ? record.get("T").getAsInt() : 1) + "/" + record.get("B").getAsInt() + "/"
                    + record.get("threads").getAsInt();
            medians.put(key, record.get("median").getAsDouble());
        }
        return medians;
    }

    private static void chart(Iterable<Row> rows, String label, Path png) throws IOException {
        List<String> names = new ArrayList<>();
        List<Double> speedups = new ArrayList<>();
        for (Row row : rows) {
            Double scalar = row.score().get("scalar");
            Double vector = row.score().get("vector");
            if (scalar != null && vector != null) {
                String method = row.benchmark().substring(row.benchmark().indexOf('.') + 1);
                names.add(method + " " + row.params().replaceAll("[{}]", "").replaceAll("\\w+=", ""));
                speedups.add(vector / scalar);
            }
        }
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(900, 28 * names.size())).height(600)
                .title("Gatelane: vector / scalar speed-up (" + label + ")").xAxisTitle("benchmark")
                .yAxisTitle("speed-up (x)").build();
        chart.getStyler().setXAxisLabelRotation(75);
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setChartTitleFont(chart.getStyler().getChartTitleFont().deriveFont(12f));
        if (!names.isEmpty()) {
            chart.addSeries("vector / scalar", names, speedups);
        }
        String name = png.toString().replaceFirst("\\.png$", "");
        BitmapEncoder.saveBitmap(chart, name, BitmapEncoder.BitmapFormat.PNG);
    }

    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU")
                    + ", " + Runtime.getRuntime().availableProcessors() + " cores";
        } catch (IOException e) {
            return "unknown CPU";
        }
    }
}
