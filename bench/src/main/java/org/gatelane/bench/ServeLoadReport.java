package org.gatelane.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * The chart of {@code bench/serve-load.sh}: aggregate chars/s against the number of clients, a group of bars per
 * model size.
 *
 * <pre>java -cp bench/target/benchmarks.jar org.gatelane.bench.ServeLoadReport RESULTS_JSONL OUT.png</pre>
 */
public final class ServeLoadReport {

    private ServeLoadReport() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, List<Double>> byModel = new LinkedHashMap<>();
        List<String> clients = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonObject run = JsonParser.parseString(line).getAsJsonObject();
            int prompt = run.get("prompt").getAsInt();
            String count = run.get("clients").getAsString() + " clients"
                    + (prompt == 4 ? "" : ", " + prompt + "-char prompt");
            if (!clients.contains(count)) {
                clients.add(count);
            }
            byModel.computeIfAbsent(run.get("label").getAsString(), m -> new ArrayList<>())
                    .add(run.get("chars_per_second").getAsDouble());
        }
        CategoryChart chart = new CategoryChartBuilder().width(800).height(500)
                .title("gatelane serve: characters per second, all clients together").xAxisTitle("")
                .yAxisTitle("chars/s").build();
        byModel.forEach((model, rates) -> chart.addSeries(model, clients.subList(0, rates.size()), rates));
        byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        Files.write(Path.of(args[1]), png);
    }
}
