package org.gatelane.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.Vocabulary;
import org.gatelane.kernels.Kernels;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * The page in a real browser: headless Chromium, driven through chromedriver's W3C WebDriver protocol (plain JSON over
 * HTTP on loopback), types a prompt, presses Generate, and sees the text arrive while the server is still streaming
 * it, then complete. Not part of the default suite, which must run where no browser is installed: run it with
 * {@code serve/browser-test.sh}, which installs Debian's {@code chromium} and {@code chromium-driver} first. With
 * {@code -Dgatelane.screenshot=FILE} it saves a screenshot of the page after the run.
 */
class PageInBrowserTest {

    private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
    private static final Vocabulary VOCABULARY = Corpus.of("The keeper winds the clock at dusk.\n").vocabulary();
    /** Wide enough that 20,000 characters take a good part of a second, so the page shows them arriving. */
    private static final RecurrentModel MODEL = RecurrentModel.initialized(
            ModelShape.characterModel(VOCABULARY.size(), 512, 1), 3);
    private static final Gson GSON = new Gson();
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    /** A WebDriver session of a chromedriver on loopback. */
    private record Browser(String base) {

        JsonObject call(String method, String path, Object body) throws IOException {
            HttpURLConnection connection = (HttpURLConnection) URI.create(base + path).toURL().openConnection();
            connection.setRequestMethod(method);
            connection.setConnectTimeout(10_000);
            connection.setReadTimeout(60_000);
            if (body != null) {
                connection.setDoOutput(true);
                connection.setRequestProperty("Content-Type", "application/json");
                try (OutputStream out = connection.getOutputStream()) {
                    out.write(GSON.toJson(body).getBytes(StandardCharsets.UTF_8));
                }
            }
            int status = connection.getResponseCode();
            try (InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
                String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (status >= 400) {
                    throw new IOException(method + " " + path + " -> " + status + ": " + answer);
                }
                return GSON.fromJson(answer, JsonObject.class);
            }
        }

        String element(String session, String css) throws IOException {
            return call("POST", "/session/" + session + "/element", Map.of("using", "css selector", "value", css))
                    .getAsJsonObject("value").get(ELEMENT).getAsString();
        }

        String text(String session, String element) throws IOException {
            return call("GET", "/session/" + session + "/element/" + element + "/text", null).get("value")
                    .getAsString();
        }

        /** What a script run in the page returns, as a string. */
        String script(String session, String script) throws IOException {
            return call("POST", "/session/" + session + "/execute/sync", Map.of("script", script, "args", List.of()))
                    .get("value").getAsString();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void typingAPromptAndPressingGenerateStreamsTextIntoThePage() throws Exception {
        int driverPort = freePort();
        Process driver = new ProcessBuilder("chromedriver", "--port=" + driverPort, "--allowed-ips=127.0.0.1")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (GenerationServer server = GenerationServer.start(MODEL, VOCABULARY, Kernels.preferred(),
                new GenerationServer.Limits(4, 4, 20_000, 64 * 1024,
                        GenerationServer.Limits.DEFAULT_EVENT_INTERVAL), "127.0.0.1", 0)) {
            Browser browser = new Browser("http://127.0.0.1:" + driverPort);
            String session = startSession(browser);
            try {
                browser.call("POST", "/session/" + session + "/url",
                        Map.of("url", "http://127.0.0.1:" + server.address().getPort() + "/"));
                String prompt = "The keeper ";
                browser.call("POST", "/session/" + session + "/element/" + browser.element(session, "#prompt")
                        + "/value", Map.of("text", prompt));
                String length = browser.element(session, "#length");
                browser.call("POST", "/session/" + session + "/element/" + length + "/clear", Map.of());
                browser.call("POST", "/session/" + session + "/element/" + length + "/value", Map.of("text", "20000"));
                browser.call("POST", "/session/" + session + "/element/" + browser.element(session, "#generate")
                        + "/click", Map.of());

                String status = browser.element(session, "#status");
                // textContent, not the rendered text WebDriver trims: every character the page received.
                String received = "return document.getElementById('text').textContent";
                int seenWhileStreaming = 0;
                long deadline = System.nanoTime() + PATIENCE.toNanos();
                String shown = "";
                String said = "";
                while (System.nanoTime() < deadline) {
                    said = browser.text(session, status);
                    shown = browser.script(session, received);
                    if (said.contains("characters in")) {
                        break;
                    }
                    if (said.startsWith("generating") && shown.length() > prompt.length()) {
                        seenWhileStreaming = Math.max(seenWhileStreaming, shown.length());
                    }
                    Thread.sleep(20);
                }
                assertTrue(said.contains("20000 characters in") && said.contains("(length)"),
                        "the page says the generation ended at its length: " + said);
                shown = browser.script(session, received);
                assertTrue(shown.startsWith(prompt), "the text continues the prompt: " + shown.substring(0, 40));
                assertTrue(seenWhileStreaming > prompt.length() && seenWhileStreaming < prompt.length() + 20_000,
                        "text arrived while the server was still generating: " + seenWhileStreaming
                                + " characters shown before the end");
                assertEquals(prompt.length() + 20_000, shown.codePointCount(0, shown.length()), "all the text arrived");
                String model = browser.text(session, browser.element(session, "#model"));
                assertTrue(model.contains("H=512"), model);
                saveScreenshot(browser, session);
            } finally {
                browser.call("DELETE", "/session/" + session, null);
            }
        } finally {
            driver.destroy();
        }
    }

    /** Waits for chromedriver to listen, then opens a headless Chromium session. */
    private static String startSession(Browser browser) throws Exception {
        Map<String, Object> chrome = Map.of("binary", "/usr/bin/chromium", "args",
                List.of("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1100,800"));
        Map<String, Object> capabilities = Map.of("capabilities",
                Map.of("alwaysMatch", Map.of("browserName", "chrome", "goog:chromeOptions", chrome)));
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            try {
                return browser.call("POST", "/session", capabilities).getAsJsonObject("value").get("sessionId")
                        .getAsString();
            } catch (java.net.ConnectException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static void saveScreenshot(Browser browser, String session) throws IOException {
        String file = System.getProperty("gatelane.screenshot");
        if (file != null && !file.isBlank()) {
            String png = browser.call("GET", "/session/" + session + "/screenshot", null).get("value").getAsString();
            Files.write(Path.of(file), Base64.getDecoder().decode(png));
        }
    }
}
