package org.gatelane.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.gatelane.core.io.Checkpoint;
import org.gatelane.core.io.CheckpointException;
import org.gatelane.core.text.Corpus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs in one folder: neighbouring names never touch each other's files; the same name is refused while held. */
class ConcurrentRunsTest {

    private static final Corpus TEXT = Corpus.of("runs side by side keep to their own files. ".repeat(12));

    @TempDir
    Path folder;

    private static TrainingSettings settings(long seed) {
        return TrainingSettings.builder().hidden(12).seqLength(8).batchSize(2).learningRate(0.01f).seed(seed).build();
    }

    /** A run to iteration 40 that checkpoints every 2; returns its final parameters. */
    private static float[] train(Path checkpoint, long seed) throws Exception {
        TrainingSettings settings = settings(seed);
        try (TrainingLoop loop = TrainingLoop.start(settings, TrainingTexts.heldOut(TEXT, 0.1),
                settings.initialModel(TEXT.vocabulary().size()), 1)) {
            loop.run(40, new TrainingLoop.Cadence(1000, 2, 2), checkpoint,
                    List.of(LossHistory.replacing(LossHistory.fileBeside(checkpoint))));
            return loop.model().parameters().clone();
        }
    }

    @Test
    void fourRunsWithNeighbouringNamesKeepTheirOwnFiles() throws Exception {
        List<String> names = List.of("m", "m.v2", "m.v2.x", "mm");
        ExecutorService pool = Executors.newFixedThreadPool(names.size());
        try {
            List<Future<float[]>> runs = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                Path checkpoint = folder.resolve(names.get(i));
                long seed = 10 + i;
                runs.add(pool.submit(() -> train(checkpoint, seed)));
            }
            for (int i = 0; i < names.size(); i++) {
                float[] trained = runs.get(i).get(120, TimeUnit.SECONDS);
                Path checkpoint = folder.resolve(names.get(i));
                assertArrayEquals(trained, Checkpoint.read(checkpoint).parameters(), names.get(i));
                Checkpoint.read(TrainingLoop.bestBeside(checkpoint));
                List<String> history = Files.readAllLines(LossHistory.fileBeside(checkpoint));
                assertEquals(LossHistory.HEADER, history.getFirst());
                // 20 logs of two rows and 20 validations: no row of another run, none lost.
                assertEquals(1 + 20 * 3, history.size(), names.get(i) + ": " + history);
            }
        } finally {
            pool.shutdownNow();
        }
        try (var files = Files.list(folder)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".partial")), "no temporary file left");
        }
    }

    @Test
    void aSecondRunOnTheSameCheckpointIsRefusedAndTheFirstGoesOn() throws Exception {
        Path checkpoint = folder.resolve("same.gatelane");
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        TrainingSettings settings = settings(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<TrainingLoop.Outcome> first = pool.submit(() -> {
                try (TrainingLoop loop = TrainingLoop.start(settings, TrainingTexts.heldOut(TEXT, 0.1),
                        settings.initialModel(TEXT.vocabulary().size()), 1)) {
                    return loop.run(6, new TrainingLoop.Cadence(1000, 2, 2), checkpoint, List.of(new TrainingListener() {
                        @Override
                        public void iterated(long iteration, float loss, double smoothed, double seconds) {
                            if (iteration == 3) {
                                holding.countDown();
                                await(release);
                            }
                        }
                    }));
                }
            });
            assertTrue(holding.await(60, TimeUnit.SECONDS));
            byte[] savedByTheFirst = Files.readAllBytes(checkpoint);
            try (TrainingLoop second = TrainingLoop.start(settings(2), TrainingTexts.heldOut(TEXT, 0.1),
                    settings(2).initialModel(TEXT.vocabulary().size()), 1)) {
                CheckpointException refused = assertThrows(CheckpointException.class,
                        () -> second.run(6, new TrainingLoop.Cadence(1000, 2, 2), checkpoint, List.of()));
                assertTrue(refused.getMessage().startsWith(checkpoint + " is in use by another run (pid "
                        + ProcessHandle.current().pid() + ", since "), refused.getMessage());
            }
            assertArrayEquals(savedByTheFirst, Files.readAllBytes(checkpoint), "the refused run wrote nothing");
            release.countDown();
            assertEquals(TrainingLoop.Outcome.COMPLETED, first.get(60, TimeUnit.SECONDS));
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
        assertEquals(6, Checkpoint.read(checkpoint).run().iteration());
        try (TrainingLoop again = TrainingLoop.start(settings, TrainingTexts.heldOut(TEXT, 0.1),
                settings.initialModel(TEXT.vocabulary().size()), 1)) {
            again.run(2, new TrainingLoop.Cadence(1000, 2, 2), checkpoint, List.of());
        }
        assertEquals(2, Checkpoint.read(checkpoint).run().iteration(), "a finished run's lock is free again");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
