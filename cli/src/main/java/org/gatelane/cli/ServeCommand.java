package org.gatelane.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.gatelane.core.io.Checkpoint;
import org.gatelane.kernels.Kernels;
import org.gatelane.serve.GenerationServer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatelane serve}: a model's text over HTTP until SIGTERM or Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve a model over HTTP: POST /v1/generate (JSON, or Server-Sent Events with \"stream\": true),",
                "GET /v1/model, /health, /metrics, and a page at /. Every request is one stream of a batched",
                "generator, so many users share each step. SIGTERM or Ctrl-C ends the streams in flight and exits."})
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "the address to listen on; loopback by default (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "the port; 0 picks a free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--max-streams", defaultValue = "64",
            description = "requests generating at once (default: ${DEFAULT-VALUE})")
    int maxStreams;

    @Option(names = "--queue", defaultValue = "256",
            description = "requests waiting for a stream before more are refused with 429 (default: ${DEFAULT-VALUE})")
    int queue;

    @Option(names = "--max-length", defaultValue = "10000",
            description = "the most characters one request may ask for (default: ${DEFAULT-VALUE})")
    int maxLength;

    @Option(names = "--event-interval", defaultValue = "4", paramLabel = "MS",
            description = {"after a stream's first characters, the least time between two of its events in",
                    "milliseconds; 0 sends each wake-up's characters at once (default: ${DEFAULT-VALUE})"})
    int eventIntervalMillis;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Options.atLeast(spec, "--max-streams", maxStreams, 1);
        Options.atLeast(spec, "--queue", queue, 0);
        Options.atLeast(spec, "--max-length", maxLength, 1);
        Options.within(spec, "--event-interval", eventIntervalMillis, 0, true, 1000, true);
        Options.within(spec, "--port", port, 0, true, 65535, true);
        Checkpoint saved = Checkpoint.read(model.file);
        GenerationServer server = GenerationServer.start(saved.model(), saved.vocabulary(), Kernels.preferred(),
                new GenerationServer.Limits(maxStreams, queue, maxLength, 64 * 1024,
                        Duration.ofMillis(eventIntervalMillis)), host, port);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("serving %s at http://%s:%d/ (%d streams, queue %d); stop with Ctrl-C%n", model.file,
                server.address().getHostString(), server.address().getPort(), maxStreams, queue);
        out.flush();
        // SIGTERM or Ctrl-C: refuse new requests, end the streams in flight (each client gets its end event), and
        // exit 0, a normal end for a service; halt, because the main thread below never returns by itself.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            out.println("stopped");
            out.flush();
            Runtime.getRuntime().halt(0);
        }, "gatelane-serve-stop"));
        new CountDownLatch(1).await();
        return 0;
    }
}
