package org.gatelane.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IntSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.gatelane.core.train.TrainingSettings;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * Renders the time-to-quality runs of {@code bench/quality.sh} (JSON lines, one per run) into a Markdown table
 * of validation bits/char, steps and chars/s of Gatelane beside PyTorch per budget, the equal-step curves, and a
 * PNG of validation bits/char against minutes of training.
 *
 * <p>Usage: {@code QualityReport RESULTS_JSONL OUT_PREFIX}; writes {@code OUT_PREFIX.md} and {@code OUT_PREFIX.png}.
 */
public final class QualityReport {

    private static final Pattern FAMILY_AND_MODEL = Pattern.compile("family \\d+ model \\d+");

    /** The AMD cores the runs were recorded on, by family and model as /proc/cpuinfo gives them. */
    private static final Map<String, String> CORES = Map.of("family 25 model 1", "AMD Zen 3",
            "family 25 model 17", "AMD Zen 4", "family 26 model 2", "AMD Zen 5");

    private QualityReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: QualityReport RESULTS_JSONL OUT_PREFIX");
            System.exit(2);
        }
        // Per machine, in the order each first appears, its runs by label: a rerun on the same machine replaces an
        // earlier line of its label, a run on another machine does not. A record that names no machine (the
        // anchor's, before it did) ran on the machine of the record before it, its pair's Gatelane run.
        Map<String, Map<String, JsonObject>> runsByMachine = new LinkedHashMap<>();
        String machine = "";
        for (String line : Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                JsonObject run = JsonParser.parseString(line).getAsJsonObject();
                machine = run.has("cpu") ? machine(run.get("cpu").getAsString()) : machine;
                runsByMachine.computeIfAbsent(machine, k -> new LinkedHashMap<>())
                        .put(run.get("label").getAsString(), run);
            }
        }
        Path prefix = Path.of(args[1]);
        Files.writeString(prefix.resolveSibling(prefix.getFileName() + ".md"), table(runsByMachine),
                StandardCharsets.UTF_8);
        chart(runsByMachine.getOrDefault(machine, Map.of()), prefix);
    }

    private static String table(Map<String, Map<String, JsonObject>> runsByMachine) {
        StringBuilder md = new StringBuilder("# Time to quality: Gatelane against PyTorch on the same text\n\n");
        md.append("Written by `bench/quality.sh render` from `bench/results/quality.jsonl`; each section names the ")
                .append("machine its runs were recorded on. King James Bible (Debian `bible-kjv`), 90 % training, 10 % ")
                .append("validation scored from a zero state. One layer, H = 256, T = 100, B = 32, lr 2e-3, clip 5, ")
                .append("Adam, unless stated. Gatelane: `gatelane train` with its defaults, SIGINT at the budget ")
                .append("(its JVM start included), then `gatelane eval`. PyTorch: the anchor script, training time ")
                .append("only.\n");
        runsByMachine.forEach((machine, runs) -> {
            md.append(machine.isEmpty() ? "\n# Runs that did not record their machine\n\n"
                    : "\n# Runs on " + (CORES.containsKey(machine) ? CORES.get(machine) + " (" + machine + ")" : machine)
                            + "\n\n");
            machineTables(runs, md);
        });
        return md.toString();
    }

    /**
     * The machine of a record's {@code cpu} field, as {@code family F model M}: the records of earlier versions of
     * {@code quality.sh} wrote the model name and a date around it, and the same machine must be one section.
     */
    private static String machine(String cpu) {
        Matcher familyAndModel = FAMILY_AND_MODEL.matcher(cpu);
        return familyAndModel.find() ? familyAndModel.group() : cpu;
    }

    /** Every table of one machine's runs. */
    private static void machineTables(Map<String, JsonObject> runs, StringBuilder md) {
        List<String> singleRuns = Stream.of("120s-1t", "120s-2t", "600s-1t", "600s-2x512-dropout")
                .filter(run -> runs.containsKey("gatelane-" + run) && runs.containsKey("pytorch-" + run)).toList();
        if (!singleRuns.isEmpty()) {
            md.append("| run | Gatelane bits/char | PyTorch bits/char | Gatelane − PyTorch | Gatelane steps | ")
                    .append("PyTorch steps | Gatelane chars/s | PyTorch chars/s |\n|---|---|---|---|---|---|---|---|\n");
        }
        for (String run : singleRuns) {
            JsonObject g = runs.get("gatelane-" + run);
            JsonObject p = runs.get("pytorch-" + run);
            double gb = g.get("val_bits_per_char").getAsDouble();
            double pb = p.get("val_bits_per_char").getAsDouble();
            md.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | **%+.3f** | %,d | %,d | %,d | %,d |%n", run, gb,
                    pb, gb - pb, g.get("iterations").getAsLong(), p.get("iterations").getAsLong(),
                    g.get("chars_per_s").getAsLong(), p.get("chars_per_s").getAsLong()));
        }
        for (int seconds : new int[] {120, 600}) {
            String budget = seconds + "s-1t-";
            seeds(runs, md, "gatelane-" + budget + "timed-seed", "pytorch-" + budget + "seed", seconds, 1,
                    "constant learning rate", "at a constant learning rate");
            for (String descent : List.of("cosine", "cooldown")) {
                seeds(runs, md, "gatelane-" + budget + descent + "-seed", "pytorch-" + budget + descent + "-seed",
                        seconds, 1, descent + " to the deadline", "descending to the deadline: Gatelane with "
                                + "`--lr-schedule " + descent + "`, the anchor run by "
                                + "`bench/python/deadline_schedule.py --schedule " + descent + "` over its budget");
            }
            asEachIsUsed(runs, md, "gatelane-" + budget + "cooldown-seed", "pytorch-" + budget + "seed", seconds, 1);
            asEachIsUsed(runs, md, "gatelane-" + budget + "default-seed", "pytorch-" + budget + "default-seed",
                    seconds, 1);
        }
        seeds(runs, md, "gatelane-120s-2t-timed-seed", "pytorch-120s-2t-seed", 120, 2, "constant learning rate",
                "at a constant learning rate");
        asEachIsUsed(runs, md, "gatelane-120s-2t-default-seed", "pytorch-120s-2t-default-seed", 120, 2);
        seeds(runs, md, "gatelane-600s-2x512-dropout-seed", "pytorch-600s-2x512-dropout-seed", 600, 1,
                "two layers of 512 with dropout 0.2", "two layers of 512 with dropout 0.2 at a constant learning rate");
        restartIntervals(runs, md);
        JsonObject g = runs.get("equal-steps-forget-bias-1");
        JsonObject p = runs.get("equal-steps-zero-bias-forget-1");
        if (g != null && p != null) {
            md.append("\n## Equal steps, matched initialisation\n\nH = 128, T = 50, B = 16, 1,500 steps, gate biases ")
                    .append("0 and forget bias 1 on both sides (Gatelane `--forget-bias 1`, the anchor `--init ")
                    .append("zero-bias --forget-bias 1`); the weights are drawn from different generators.\n\n")
                    .append("| step | Gatelane bits/char | PyTorch bits/char | difference |\n|---|---|---|---|\n");
            JsonArray gc = g.getAsJsonArray("curve");
            JsonArray pc = p.getAsJsonArray("curve");
            for (int i = 0; i < Math.min(gc.size(), pc.size()); i++) {
                JsonArray a = gc.get(i).getAsJsonArray();
                JsonArray b = pc.get(i).getAsJsonArray();
                md.append(String.format(Locale.ROOT, "| %d | %.4f | %.4f | %+.4f |%n", a.get(0).getAsLong(),
                        a.get(1).getAsDouble(), b.get(1).getAsDouble(), a.get(1).getAsDouble() - b.get(1).getAsDouble()));
            }
        }
    }

    /**
     * What a user of each side gets from the same minutes, the pairs the quality targets are stated in: Gatelane
     * with the defaults of {@code --time} (its cooldown, labelled {@code cooldown} by {@code quality.sh schedules}
     * or {@code default} by {@code PAIR=default quality.sh seeds}) against the anchor at its constant rate, run
     * in the same sitting (the constant pairs' anchor runs for the former, the pair's own for the latter).
     */
    private static void asEachIsUsed(Map<String, JsonObject> runs, StringBuilder md, String gatelanePrefix,
                                     String pytorchPrefix, int seconds, int threads) {
        seeds(runs, md, gatelanePrefix, pytorchPrefix, seconds, threads,
                "Gatelane's `--time` default against the anchor's constant rate", "as each is used: Gatelane with "
                        + "the defaults of `--time`, the rate held and then cooled down to 0 over the budget's last "
                        + "fifth, the anchor at its constant rate");
    }

    /**
     * The runs of several seeds per side at one budget and thread count (Gatelane ending itself with {@code --time}),
     * labelled {@code gatelanePrefix + seed} and {@code pytorchPrefix + seed} from seed 1 on: each pair, then each side's
     * mean, best, median and worst, the numbers the quality targets are stated in.
     */
    private static void seeds(Map<String, JsonObject> runs, StringBuilder md, String gatelanePrefix,
                              String pytorchPrefix, int seconds, int threads, String schedule, String recipe) {
        List<JsonObject[]> pairs = new ArrayList<>();
        for (int seed = 1; runs.containsKey(gatelanePrefix + seed) && runs.containsKey(pytorchPrefix + seed); seed++) {
            pairs.add(new JsonObject[] {runs.get(gatelanePrefix + seed), runs.get(pytorchPrefix + seed)});
        }
        if (pairs.isEmpty()) {
            return;
        }
        // Runs recorded since both sides report the best-validation model they kept get its columns too.
        boolean kept = pairs.stream().allMatch(pair -> pair[0].has("best_val_bits_per_char")
                && pair[1].has("best_val_bits_per_char"));
        StringBuilder rows = new StringBuilder();
        List<Double> gatelane = new ArrayList<>();
        List<Double> pytorch = new ArrayList<>();
        List<Double> gatelaneBest = new ArrayList<>();
        List<Double> pytorchBest = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            JsonObject g = pairs.get(i)[0];
            JsonObject p = pairs.get(i)[1];
            double gb = g.get("val_bits_per_char").getAsDouble();
            double pb = p.get("val_bits_per_char").getAsDouble();
            rows.append(String.format(Locale.ROOT, "| %d | %.3f | %.3f | %+.3f | %,d | %,d |", i + 1, gb, pb,
                    gb - pb, g.get("iterations").getAsLong(), p.get("iterations").getAsLong()));
            gatelane.add(gb);
            pytorch.add(pb);
            if (kept) {
                double gk = g.get("best_val_bits_per_char").getAsDouble();
                double pk = p.get("best_val_bits_per_char").getAsDouble();
                rows.append(String.format(Locale.ROOT, " %.3f | %.3f | %+.3f |", gk, pk, gk - pk));
                gatelaneBest.add(gk);
                pytorchBest.add(pk);
            }
            rows.append('\n');
        }
        md.append(String.format(Locale.ROOT, "%n## %d s, %s, %s, %s%s%n%n", seconds,
                        threads == 1 ? "one thread" : threads + " threads", schedule,
                        gatelane.size() == 1 ? "one seed" : gatelane.size() + " seeds", restartsInTitle(pairs)
                                + lateDropoutInTitle(pairs)))
                .append("Both sides train ").append(recipe).append(". Each side's `--seed` draws its ")
                .append("initialisation and nothing else changes; one trajectory can be unlucky ")
                .append("(`quality-spikes.md`). Gatelane ends itself with `--time ").append(seconds)
                .append("s` (validated and saved by the ")
                .append("deadline, its JVM start included), then `gatelane eval`. ")
                .append(restarts(pairs)).append(validations(pairs)).append("\n\n")
                .append("| seed | Gatelane bits/char | PyTorch bits/char | Gatelane − PyTorch | Gatelane steps | ")
                .append("PyTorch steps |")
                .append(kept ? " Gatelane, best kept | PyTorch, best kept | difference, best kept |" : "")
                .append("\n|---|---|---|---|---|---|").append(kept ? "---|---|---|" : "").append('\n').append(rows)
                .append("\n| side | mean | best | median | worst |\n|---|---|---|---|---|\n")
                .append(summary("Gatelane", gatelane)).append(summary("PyTorch", pytorch));
        if (kept) {
            md.append(summary("Gatelane, best kept", gatelaneBest)).append(summary("PyTorch, best kept", pytorchBest));
        }
        md.append(String.format(Locale.ROOT, "%nMean difference over %d seeds: **%+.3f** bits/char; "
                        + "Gatelane's worst seed against PyTorch's median: **%+.3f**.%n", gatelane.size(),
                mean(gatelane) - mean(pytorch), Collections.max(gatelane) - median(pytorch)));
        if (kept) {
            md.append(String.format(Locale.ROOT, "Each side keeping its best-validation model (Gatelane's `.best`, "
                            + "the anchor's best of its validations%s and its last): mean difference "
                            + "**%+.3f**, Gatelane's worst seed against PyTorch's median **%+.3f**.%n",
                    anchorValidationInterval(pairs), mean(gatelaneBest) - mean(pytorchBest),
                    Collections.max(gatelaneBest) - median(pytorchBest)));
        }
    }

    /**
     * ", streams restarting every N chunks" when every Gatelane run of {@code pairs} restarted at one interval other
     * than at epochs, so that two tables of one recipe before and after {@code --restart-every} have titles apart.
     */
    private static String restartsInTitle(List<JsonObject[]> pairs) {
        return shared(pairs, pair -> restartEvery(pair[0])).filter(every -> every > 0)
                .map(every -> ", streams restarting every " + every + " chunks").orElse("");
    }

    /** The value {@code of} gives for every pair of {@code pairs} when they all agree, otherwise none. */
    private static <T> Optional<T> shared(List<JsonObject[]> pairs, Function<JsonObject[], T> of) {
        Set<T> values = pairs.stream().map(of).collect(Collectors.toSet());
        return values.size() == 1 ? Optional.of(values.iterator().next()) : Optional.empty();
    }

    /**
     * ", dropout 0.2 after 4 passes" when every Gatelane run of {@code pairs} began its dropout that late (records
     * from before {@code --dropout-after} have no {@code dropout_after}: their dropout, if any, began at once), so that
     * the tables of {@code --time}'s defaults before and after late dropout became one of them have titles apart.
     */
    private static String lateDropoutInTitle(List<JsonObject[]> pairs) {
        return shared(pairs, pair -> pair[0].has("dropout_after") && pair[0].get("dropout_after").getAsInt() > 0
                ? ", dropout " + pair[0].get("dropout").getAsString() + " after "
                        + pair[0].get("dropout_after").getAsInt() + " passes" : "").orElse("");
    }

    /** Chunks between a Gatelane run's restarts; 0 (at epochs only) for records from before {@code --restart-every}. */
    private static int restartEvery(JsonObject gatelaneRun) {
        return gatelaneRun.has("restart_every") ? gatelaneRun.get("restart_every").getAsInt() : 0;
    }

    /**
     * How Gatelane's runs restarted their streams: records without {@code restart_every} come from before
     * {@code --restart-every} (restarts at epochs only).
     */
    private static String restarts(List<JsonObject[]> pairs) {
        Map<Integer, List<Integer>> seedsByInterval = new TreeMap<>();
        for (int i = 0; i < pairs.size(); i++) {
            int every = restartEvery(pairs.get(i)[0]);
            seedsByInterval.computeIfAbsent(every, k -> new ArrayList<>()).add(i + 1);
        }
        List<String> parts = new ArrayList<>();
        seedsByInterval.forEach((every, seeds) -> parts.add((every == 0 ? "at epochs only" : "every " + every
                + " chunks") + (seedsByInterval.size() > 1 ? " in seed" + (seeds.size() > 1 ? "s " : " ") + seeds
                .stream().map(String::valueOf).collect(Collectors.joining(", ")) : "")));
        return "Gatelane's streams restart from zeros (`--restart-every`) " + String.join("; ", parts) + ".";
    }

    /**
     * " every N steps" when every anchor run of {@code pairs} validated at one interval (the step of its curve's
     * first point: 500 for the one-layer pairs, 250 for the two-layer ones), otherwise nothing.
     */
    private static String anchorValidationInterval(List<JsonObject[]> pairs) {
        return shared(pairs, pair -> {
            JsonArray curve = pair[1].getAsJsonArray("curve");
            return curve.isEmpty() ? 0L : curve.get(0).getAsJsonArray().get(0).getAsLong();
        }).filter(every -> every > 0).map(every -> " every " + every + " steps").orElse("");
    }

    /**
     * How often Gatelane's runs validated before their end, counted from the validations each recorded: every so
     * many iterations before 1a0d88b, only at the end since (a timed run checkpoints on its clock, every 10 minutes).
     */
    private static String validations(List<JsonObject[]> pairs) {
        IntSummaryStatistics beforeTheEnd = pairs.stream().filter(pair -> pair[0].has("curve_s_bpc"))
                .mapToInt(pair -> pair[0].getAsJsonArray("curve_s_bpc").size() - 1).summaryStatistics();
        if (beforeTheEnd.getCount() == 0) {
            return "";
        }
        if (beforeTheEnd.getMax() == 0) {
            return " Gatelane validated only at its end (a timed run checkpoints every 10 minutes of its clock).";
        }
        String times = beforeTheEnd.getMin() != beforeTheEnd.getMax()
                ? beforeTheEnd.getMin() + "-" + beforeTheEnd.getMax() + " times"
                : beforeTheEnd.getMax() == 1 ? "once" : beforeTheEnd.getMax() + " times";
        return " Gatelane validated " + times + " before its end, within its budget.";
    }

    /**
     * Gatelane alone, streams restarting every N chunks ({@code quality.sh restarts}, labels
     * {@code gatelane-SECONDSs-1t-restart-every-N-seedS}): per budget, a row per interval with each seed's last model
     * and the mean, so the intervals are compared on the same seeds in one sitting.
     */
    private static void restartIntervals(Map<String, JsonObject> runs, StringBuilder md) {
        Pattern labels = Pattern.compile("gatelane-(\\d+)s-1t-restart-every-(\\d+)-seed(\\d+)");
        Map<Integer, Map<Integer, Map<Integer, JsonObject>>> byBudget = new TreeMap<>();
        for (JsonObject run : runs.values()) {
            Matcher label = labels.matcher(run.get("label").getAsString());
            if (label.matches()) {
                byBudget.computeIfAbsent(Integer.parseInt(label.group(1)), k -> new TreeMap<>())
                        .computeIfAbsent(Integer.parseInt(label.group(2)), k -> new TreeMap<>())
                        .put(Integer.parseInt(label.group(3)), run);
            }
        }
        byBudget.forEach((seconds, byInterval) -> {
            Set<Integer> seeds = new TreeSet<>();
            byInterval.values().forEach(bySeed -> seeds.addAll(bySeed.keySet()));
            md.append(String.format(Locale.ROOT, "%n## %d s, one thread, Gatelane alone: how often streams restart%n%n",
                            seconds))
                    .append("Gatelane with the defaults of `--time` and `--restart-every N` (`bench/quality.sh ")
                    .append("restarts`), every run in one sitting; validation bits/char of each seed's last model. ")
                    .append("The default is ").append(TrainingSettings.DEFAULT_RESTART_EVERY)
                    .append("; 0 restarts at epochs only.\n\n| every N chunks |");
            seeds.forEach(seed -> md.append(" seed ").append(seed).append(" |"));
            md.append(" mean | mean steps |\n|---|").append("---|".repeat(seeds.size())).append("---|---|\n");
            byInterval.forEach((every, bySeed) -> {
                md.append("| ").append(every).append(" |");
                seeds.forEach(seed -> md.append(bySeed.containsKey(seed) ? String.format(Locale.ROOT, " %.3f |",
                        bySeed.get(seed).get("val_bits_per_char").getAsDouble()) : " |"));
                List<Double> bits = bySeed.values().stream().map(run -> run.get("val_bits_per_char").getAsDouble())
                        .toList();
                md.append(String.format(Locale.ROOT, " %.3f | %,.0f |%n", mean(bits), bySeed.values().stream()
                        .mapToLong(run -> run.get("iterations").getAsLong()).average().orElse(0)));
            });
        });
    }

    private static String summary(String side, List<Double> bits) {
        return String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f |%n", side, mean(bits),
                Collections.min(bits), median(bits), Collections.max(bits));
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Validation bits/char against minutes of training, per run that recorded a curve. */
    private static void chart(Map<String, JsonObject> runs, Path prefix) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(550).title("Validation bits/char against training time")
                .xAxisTitle("minutes of training").yAxisTitle("validation bits/char")
                .build();
        for (JsonObject run : runs.values()) {
            List<Double> minutes = new ArrayList<>();
            List<Double> bits = new ArrayList<>();
            if (run.has("curve_s_bpc")) {
                for (JsonElement point : run.getAsJsonArray("curve_s_bpc")) {
                    minutes.add(point.getAsJsonArray().get(0).getAsDouble() / 60);
                    bits.add(point.getAsJsonArray().get(1).getAsDouble());
                }
            } else if (run.has("curve") && run.has("train_seconds") && run.get("iterations").getAsLong() > 0) {
                // The anchor records steps; its steps are evenly timed, so seconds = step · (time / steps).
                double secondsPerStep = run.get("train_seconds").getAsDouble() / run.get("iterations").getAsLong();
                for (JsonElement point : run.getAsJsonArray("curve")) {
                    minutes.add(point.getAsJsonArray().get(0).getAsDouble() * secondsPerStep / 60);
                    bits.add(point.getAsJsonArray().get(1).getAsDouble());
                }
            }
            String label = run.get("label").getAsString();
            if (!minutes.isEmpty() && !label.startsWith("equal-steps") && !label.contains("-seed")) {
                chart.addSeries(label, minutes, bits);
            }
        }
        if (!chart.getSeriesMap().isEmpty()) {
            BitmapEncoder.saveBitmap(chart, prefix.toString(), BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
