package org.gatelane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gatelane serve} in a child JVM on loopback: it answers with the text {@code gatelane sample} prints, and
 * SIGTERM ends it with exit code 0.
 */
class ServeCommandTest {

    @TempDir
    Path folder;

    @Test
    void servesWhatSamplePrintsAndExitsZeroOnSigterm() throws Exception {
        Path text = folder.resolve("text.txt");
        Files.writeString(text, "served on demand, as sampled. ".repeat(10), StandardCharsets.UTF_8);
        Path model = folder.resolve("m.gatelane");
        assertEquals(0, Cli.run("train", "--text", text.toString(), "--checkpoint", model.toString(), "--hidden", "16",
                "--seq-length", "8", "--iterations", "20", "--sample-every", "1000").exitCode());
        Cli sample = Cli.run("sample", "--model", model.toString(), "--prime", "served ", "--length", "60", "--seed",
                "9");
        String expected = sample.out().strip().substring("served ".length());

        Process server = Child.start("serve", "--model", model.toString(), "--port", "0");
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line = lines.readLine();
            while (line != null && !line.startsWith("serving ")) {
                line = lines.readLine();
            }
            Matcher address = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/").matcher(String.valueOf(line));
            assertTrue(address.find(), "it listens on loopback: " + line);
            HttpURLConnection post = (HttpURLConnection) URI.create("http://127.0.0.1:" + address.group(1)
                    + "/v1/generate").toURL().openConnection();
            post.setConnectTimeout(20_000);
            post.setReadTimeout(20_000);
            post.setRequestMethod("POST");
            post.setDoOutput(true);
            post.getOutputStream().write("{\"prompt\": \"served \", \"length\": 60, \"seed\": 9}"
                    .getBytes(StandardCharsets.UTF_8));
            assertEquals(200, post.getResponseCode());
            String body = new String(post.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String served = com.google.gson.JsonParser.parseString(body).getAsJsonObject().get("text").getAsString();
            assertEquals(expected, served.strip());

            server.destroy(); // SIGTERM
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "it stops");
            assertEquals(0, server.exitValue());
        } finally {
            server.destroyForcibly();
        }
    }
}
