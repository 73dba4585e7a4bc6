package org.gatelane.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import org.gatelane.core.infer.Evaluation;
import org.gatelane.core.io.Checkpoint;
import org.gatelane.core.io.CheckpointException;
import org.gatelane.core.io.RunState;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.model.Rng;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.TextBatches;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The core training loop: rollback, early stopping, interruption, and resume of files older than the loop. */
class TrainingLoopTest {

    private static final Corpus FOG = Corpus.of("the light keeps turning through the fog. ".repeat(10));

    @TempDir
    Path folder;

    /** Every event, one line each, in order. */
    private static final class Recorder implements TrainingListener {
        final List<String> events = new ArrayList<>();

        @Override
        public void rolledBack(long iteration, String reason, double rate, int rollback, int maxRollbacks) {
            events.add(String.format(java.util.Locale.ROOT, "rollback %d of %d at %d, rate %.5f", rollback,
                    maxRollbacks, iteration, rate));
        }

        @Override
        public void checkpointed(long iteration, Evaluation score, Path file, Path bestFile) {
            events.add("checkpoint " + iteration + (bestFile != null ? " best" : ""));
        }

        @Override
        public void stoppedEarly(long iteration, int patience, Path bestFile) {
            events.add("early stop " + iteration);
        }

        @Override
        public void interrupted(long iteration, Path file) {
            events.add("interrupted " + iteration);
        }

        @Override
        public void finished(long iteration) {
            events.add("finished " + iteration);
        }
    }

    private static TrainingSettings.Builder small() {
        return TrainingSettings.builder().hidden(10).seqLength(6).batchSize(2).learningRate(0.01f).seed(3);
    }

    @Test
    void rollbackReturnsToTheLastValidationWithHalfTheRate() throws Exception {
        TrainingSettings settings = small().build();
        TrainingLoop.Cadence cadence = new TrainingLoop.Cadence(1000, 1000, 10);
        Path checkpoint = folder.resolve("r.gatelane");
        Recorder recorder = new Recorder();
        try (TrainingLoop loop = TrainingLoop.start(settings, TrainingTexts.heldOut(FOG, 0.1),
                settings.initialModel(FOG.vocabulary().size()), 1)) {
            assertEquals(TrainingLoop.Outcome.COMPLETED, loop.run(20, cadence, checkpoint, List.of(recorder)));
            float[] validated = loop.model().parameters().clone();
            loop.model().parameters()[loop.model().layout().outputBias()] = Float.NaN;
            assertEquals(TrainingLoop.Outcome.COMPLETED, loop.run(30, cadence, checkpoint, List.of(recorder)));
            assertTrue(recorder.events.contains("rollback 1 of 3 at 20, rate 0.00500"), recorder.events.toString());
            assertEquals(30, loop.iteration());
            for (float p : loop.model().parameters()) {
                assertTrue(Float.isFinite(p));
            }
            assertNotEquals(validated[0], loop.model().parameters()[0], "training went on from the validated point");
        }

        // A fault that the last validation already holds: three rollbacks, then the run ends with the error.
        RecurrentModel broken = settings.initialModel(FOG.vocabulary().size());
        broken.parameters()[broken.layout().outputBias()] = Float.NaN;
        Recorder brokenRecorder = new Recorder();
        try (TrainingLoop loop = TrainingLoop.start(settings, TrainingTexts.heldOut(FOG, 0.1), broken, 1)) {
            NonFiniteException e = assertThrows(NonFiniteException.class,
                    () -> loop.run(30, cadence, folder.resolve("b.gatelane"), List.of(brokenRecorder)));
            assertTrue(e.getMessage().endsWith("3 rollbacks did not help"), e.getMessage());
            assertEquals(3, brokenRecorder.events.stream().filter(line -> line.startsWith("rollback")).count());
        }
        assertTrue(Files.notExists(folder.resolve("b.gatelane")), "a run that never validated saves nothing");
    }

    @Test
    void earlyStoppingEndsTheRunAndKeepsTheBestBeside() throws Exception {
        TrainingSettings settings = small().learningRate(0.05f).earlyStop(2).build();
        Path checkpoint = folder.resolve("e.gatelane");
        Recorder recorder = new Recorder();
        TrainingLoop.Outcome outcome;
        long stoppedAt;
        try (TrainingLoop loop = TrainingLoop.start(settings, TrainingTexts.separate(FOG,
                Corpus.of("fog through the light keeps turning. ".repeat(3), FOG.vocabulary(), Corpus.Unknown.ERROR),
                "validation"), settings.initialModel(FOG.vocabulary().size()), 1)) {
            outcome = loop.run(5000, new TrainingLoop.Cadence(1000, 1000, 20), checkpoint, List.of(recorder));
            stoppedAt = loop.iteration();
        }
        assertEquals(TrainingLoop.Outcome.STOPPED_EARLY, outcome, recorder.events.toString());
        assertTrue(stoppedAt < 5000);
        assertEquals(List.of("early stop " + stoppedAt, "finished " + stoppedAt),
                recorder.events.subList(recorder.events.size() - 2, recorder.events.size()));
        long best = Checkpoint.read(TrainingLoop.bestBeside(checkpoint)).run().iteration();
        assertTrue(best <= stoppedAt - 40, "two validations without improvement came after the best: " + best);
        assertEquals(stoppedAt, Checkpoint.read(checkpoint).run().iteration());
    }

    @Test
    void aStopRequestSavesTheRunAndAResumeFinishesItExactly() throws Exception {
        TrainingSettings settings = small().dropout(0.1f).restartEvery(4).build();
        TrainingLoop.Cadence cadence = new TrainingLoop.Cadence(7, 3, 10);
        Path straight = folder.resolve("straight.gatelane");
        try (TrainingLoop loop = TrainingLoop.start(settings, TrainingTexts.heldOut(FOG, 0.1),
                settings.initialModel(FOG.vocabulary().size()), 1)) {
            loop.run(30, cadence, straight, List.of());
        }
        Path stopped = folder.resolve("stopped.gatelane");
        Recorder recorder = new Recorder();
        try (TrainingLoop loop = TrainingLoop.start(settings, TrainingTexts.heldOut(FOG, 0.1),
                settings.initialModel(FOG.vocabulary().size()), 1)) {
            TrainingListener stopAt13 = new TrainingListener() {
                @Override
                public void iterated(long iteration, float loss, double smoothedLoss, double trainedSeconds) {
                    if (iteration == 13) {
                        loop.requestStop();
                    }
                }
            };
            assertEquals(TrainingLoop.Outcome.INTERRUPTED, loop.run(30, cadence, stopped, List.of(stopAt13, recorder)));
        }
        assertEquals("interrupted 13", recorder.events.getLast());
        Checkpoint saved = Checkpoint.read(stopped);
        try (TrainingLoop loop = TrainingLoop.resume(stopped, saved, TrainingSettings.fromOptions(saved.settings()),
                TrainingTexts.heldOut(FOG, 0.1), 2)) {
            assertEquals(TrainingLoop.Outcome.COMPLETED, loop.run(30, cadence, stopped, List.of()));
        }
        assertSameRun(Checkpoint.read(straight), Checkpoint.read(stopped));
    }

    /**
     * A new run whose first checkpoint cannot replace the old one (a folder stands in its way here; a full disk
     * or an immutable file elsewhere) fails, and the old run's history stays as it was: no foreign rows in it.
     */
    @Test
    void aRunThatCannotSaveLeavesTheOldHistoryAlone() throws Exception {
        Path checkpoint = folder.resolve("old.gatelane");
        Files.createDirectories(checkpoint.resolve("in the way"));
        Path history = LossHistory.fileBeside(checkpoint);
        Files.writeString(history, LossHistory.HEADER + "\n10,1.0,train,2.5\n");
        byte[] before = Files.readAllBytes(history);
        TrainingSettings settings = small().build();
        try (TrainingLoop loop = TrainingLoop.start(settings, TrainingTexts.heldOut(FOG, 0.1),
                settings.initialModel(FOG.vocabulary().size()), 1)) {
            IOException e = assertThrows(IOException.class, () -> loop.run(6, new TrainingLoop.Cadence(1000, 1, 3),
                    checkpoint, List.of(LossHistory.replacing(history))));
            assertTrue(e.getMessage().startsWith("cannot write " + checkpoint + ": "), e.getMessage());
        }
        assertArrayEquals(before, Files.readAllBytes(history));
    }

    /** The engine restarts the streams that the run's batches restart, chunk by chunk, epochs included. */
    @Test
    void theEngineRestartsTheStreamsTheRunsIntervalNames() throws Exception {
        TrainingSettings settings = small().batchSize(3).restartEvery(4).build();
        TrainingTexts texts = TrainingTexts.heldOut(FOG, 0.1);
        List<boolean[]> restarted = new ArrayList<>();
        TrainingEngine.Factory recording = observed((count, restarts) -> {
            for (int k = 0; k < count; k++) {
                restarted.add(restarts[k].clone());
            }
        });
        TextBatches batches = new TextBatches(texts.training(), 0, texts.trainEnd(), 6, 3, 4);
        int chunks = 2 * batches.chunksPerEpoch() + 5;
        try (TrainingLoop loop = TrainingLoop.start(settings, texts, settings.initialModel(FOG.vocabulary().size()),
                recording)) {
            loop.run(chunks, new TrainingLoop.Cadence(1000, 1000, 1000), folder.resolve("restarts.gatelane"),
                    List.of());
        }
        assertEquals(chunks, restarted.size());
        int[] inputs = new int[18];
        for (int k = 0; k < chunks; k++) {
            batches.next(inputs, new int[18]);
            boolean[] expected = new boolean[3];
            batches.restarts(expected);
            assertArrayEquals(expected, restarted.get(k), "chunk " + k);
        }
    }

    /**
     * A run to a time budget stops once it is spent, validated and saved, with the budget it spent recorded; the
     * linear schedule has descended with the time.
     */
    @Test
    void aTimeBudgetEndsTheRunWithAValidationAndACheckpoint() throws Exception {
        TrainingSettings settings = small().schedule(TrainingSchedule.Kind.LINEAR)
                .timeBudget(java.time.Duration.ofMillis(1500)).build();
        Path checkpoint = folder.resolve("timed.gatelane");
        Recorder recorder = new Recorder();
        long started = System.nanoTime();
        try (TrainingLoop loop = TrainingLoop.start(settings, TrainingTexts.heldOut(FOG, 0.1),
                settings.initialModel(FOG.vocabulary().size()), 1)) {
            assertEquals(TrainingLoop.Outcome.COMPLETED, loop.run(Long.MAX_VALUE,
                    new TrainingLoop.Cadence(1000, 1000, 1_000_000), checkpoint, List.of(recorder)));
            double seconds = (System.nanoTime() - started) / 1e9;
            // It stops early enough for the final validation to end by the deadline, give or take a step.
            assertTrue(seconds >= 1.2 && seconds < 2.5, "ran " + seconds + " s");
            long last = loop.iteration();
            assertEquals(List.of("checkpoint " + last + " best", "finished " + last), recorder.events);
            RunState saved = Checkpoint.read(checkpoint).run();
            assertEquals(last, saved.iteration());
            assertTrue(saved.budgetSpentSeconds() >= 1.2 && saved.budgetSpentSeconds() <= seconds,
                    "spent " + saved.budgetSpentSeconds());
        }
    }

    /**
     * Rounds as slow as a cold JIT's at first make the guess of the final validation's time hundreds of seconds; the
     * run times a few validation passes before it stops on that guess, and trains on. On the guess alone it stopped
     * after its second round.
     */
    @Test
    void aTimedRunChecksTheGuessOfItsFinalValidationBeforeStoppingOnIt() throws Exception {
        TrainingSettings settings = small().timeBudget(java.time.Duration.ofSeconds(2)).build();
        TrainingTexts texts = TrainingTexts.separate(FOG, Corpus.of("the fog keeps the light. ".repeat(800),
                FOG.vocabulary(), Corpus.Unknown.ERROR), "validation");
        long started = System.nanoTime();
        int[] rounds = {0};
        double[] lastRoundStartedAt = {0};
        TrainingEngine.Factory coldAtFirst = observed((count, restarts) -> {
            if (++rounds[0] <= 3) {
                sleep(300);
            }
            lastRoundStartedAt[0] = (System.nanoTime() - started) / 1e9;
        });
        try (TrainingLoop loop = TrainingLoop.start(settings, texts, settings.initialModel(FOG.vocabulary().size()),
                coldAtFirst)) {
            // 20,000 validation characters, 12 a step, a third of a 0.3 s step each, and half as long again: 250 s.
            assertEquals(TrainingLoop.Outcome.COMPLETED, loop.run(Long.MAX_VALUE,
                    new TrainingLoop.Cadence(1000, 1000, 1_000_000), folder.resolve("probed.gatelane"), List.of()));
            assertTrue(rounds[0] > 3, "stopped after round " + rounds[0]);
            assertTrue(lastRoundStartedAt[0] > 1.2,
                    "the last round started " + lastRoundStartedAt[0] + " s into a 2 s budget");
            assertTrue(loop.budgetSpent() < 2.5, "spent " + loop.budgetSpent() + " s of 2");
        }
    }

    @Test
    void aClockCadenceCheckpointsOncePerIntervalOfTheRunsClock() throws Exception {
        TrainingSettings settings = small().timeBudget(java.time.Duration.ofMillis(1500)).build();
        double interval = 0.4;
        List<Double> clockAtCheckpoints = new ArrayList<>();
        try (TrainingLoop loop = TrainingLoop.start(settings, TrainingTexts.heldOut(FOG, 0.1),
                settings.initialModel(FOG.vocabulary().size()), 1)) {
            TrainingListener clock = new TrainingListener() {
                @Override
                public void checkpointed(long iteration, Evaluation score, Path file, Path bestFile) {
                    clockAtCheckpoints.add(loop.budgetSpent());
                }
            };
            loop.run(Long.MAX_VALUE, TrainingLoop.Cadence.onClock(1000, 1000, interval),
                    folder.resolve("clock.gatelane"), List.of(clock));
        }
        // 1.5 s passes the multiples 0.4, 0.8 and 1.2; a slow validation may carry the clock past one of them.
        List<Double> midRun = clockAtCheckpoints.subList(0, clockAtCheckpoints.size() - 1);
        assertTrue(midRun.size() >= 2 && midRun.size() <= 3, "checkpoints at " + clockAtCheckpoints);
        double previousInterval = 0;
        for (double at : midRun) {
            double intervalOfClock = Math.floor(at / interval);
            assertTrue(intervalOfClock > previousInterval, "two checkpoints in one interval: " + clockAtCheckpoints);
            previousInterval = intervalOfClock;
        }
        assertThrows(IllegalArgumentException.class, () -> TrainingLoop.Cadence.onClock(1000, 1000, 0));
        assertThrows(IllegalArgumentException.class, () -> new TrainingLoop.Cadence(1000, 1000, 10, Double.NaN));
    }

    @Test
    void cosineLinearAndCooldownFollowTheTimeSpent() {
        double[] spent = {0.25};
        TrainingSchedule linear = new TrainingSchedule(new TrainingSchedule.Settings(TrainingSchedule.Kind.LINEAR, 0.01f,
                1f, 1, 1000, 0, 1));
        linear.followTime(() -> spent[0]);
        TrainingSchedule cosine = new TrainingSchedule(new TrainingSchedule.Settings(TrainingSchedule.Kind.COSINE, 0.01f,
                1f, 1, 1000, 0, 1));
        cosine.followTime(() -> spent[0]);
        TrainingSchedule cooldown = new TrainingSchedule(new TrainingSchedule.Settings(
                TrainingSchedule.Kind.COOLDOWN, 0.01f, 1f, 1, 1000, 0, 1));
        cooldown.followTime(() -> spent[0]);
        assertEquals(0.0075f, linear.rate(999_999), 1e-9f, "a quarter of the time: three quarters of the rate");
        assertEquals((float) (0.01 * 0.5 * (1 + Math.cos(Math.PI / 4))), cosine.rate(0), 1e-9f);
        assertEquals(0.01f, cooldown.rate(999_999), "the steps past its horizon do not count, the time does");
        spent[0] = 0.9;
        assertEquals(0.005f, cooldown.rate(3), 1e-9f, "nine tenths of the time: half way down the last fifth");
        spent[0] = 1;
        assertEquals(0f, linear.rate(3));
        assertEquals(0f, cosine.rate(3));
        assertEquals(0f, cooldown.rate(3));
        TrainingSchedule steps = new TrainingSchedule(new TrainingSchedule.Settings(TrainingSchedule.Kind.LINEAR, 0.01f,
                1f, 1, 1000, 0, 1));
        assertEquals(0.005f, steps.rate(500), 1e-9f, "without a time budget, linear descends over the horizon");
    }

    /**
     * A checkpoint that format 3 wrote (run state among the string options) resumes to exactly the model, the
     * optimizer, the generators and the cursor that the same format-3 build reached without stopping.
     */
    @Test
    void aFormatThreeCheckpointResumesBitForBit() throws Exception {
        Checkpoint at10 = fixture("v3-at10.gatelane");
        Checkpoint at20 = fixture("v3-at20.gatelane");
        Corpus text;
        try (InputStream in = TrainingLoopTest.class.getResourceAsStream("fixture-text.txt")) {
            text = Corpus.of(new String(in.readAllBytes(), StandardCharsets.UTF_8), at10.vocabulary(),
                    Corpus.Unknown.ERROR);
        }
        TrainingSettings settings = TrainingSettings.fromOptions(at10.settings());
        assertEquals(TrainingSettings.fromOptions(at20.settings()), settings, "the run state left the settings");
        assertEquals(10, at10.run().iteration());
        Path resumed = folder.resolve("resumed.gatelane");
        try (TrainingLoop loop = TrainingLoop.resume(resumed, at10, settings,
                TrainingTexts.heldOut(text, settings.valFraction()), 1)) {
            loop.run(20, new TrainingLoop.Cadence(5, 100, 10), resumed, List.of());
        }
        assertSameRun(at20, Checkpoint.read(resumed));
    }

    @Test
    void aModelWithoutARunIsRefusedWithWhatToDoInstead() throws Exception {
        Path file = folder.resolve("imported.gatelane");
        RecurrentModel model = small().build().initialModel(FOG.vocabulary().size());
        Checkpoint.modelOnly(model, FOG.vocabulary(), java.util.Map.of("importedFrom", "x")).write(file);
        Checkpoint imported = Checkpoint.read(file);
        CheckpointException e = assertThrows(CheckpointException.class, () -> TrainingLoop.resume(file, imported,
                small().build(), TrainingTexts.heldOut(FOG, 0.1), 1));
        assertEquals(file + " holds a model but no training run to resume; start one from it with --init-from",
                e.getMessage());
    }

    private static Checkpoint fixture(String name) throws IOException {
        try (InputStream in = TrainingLoopTest.class.getResourceAsStream(name)) {
            Path copy = Files.createTempFile("fixture", ".gatelane");
            try {
                Files.write(copy, in.readAllBytes());
                return Checkpoint.read(copy);
            } finally {
                Files.delete(copy);
            }
        }
    }

    /** A one-thread engine that tells {@code beforeEachRound} each round's chunk count and restarts first. */
    private static TrainingEngine.Factory observed(BiConsumer<Integer, boolean[][]> beforeEachRound) {
        TrainingEngine.Factory threads = TrainingEngine.Factory.threads(1);
        return (model, kernels, optimizer, clipping, schedule, batching, dropoutRng) -> {
            TrainingEngine engine = threads.create(model, kernels, optimizer, clipping, schedule, batching, dropoutRng);
            return new TrainingEngine() {
                @Override public int roundLength() { return engine.roundLength(); }
                @Override public void round(int count, int[][] inputs, int[][] targets, boolean[][] restarts,
                                            float[] losses) {
                    beforeEachRound.accept(count, restarts);
                    engine.round(count, inputs, targets, restarts, losses);
                }
                @Override public RecurrentState state() { return engine.state(); }
                @Override public Optimizer optimizer() { return engine.optimizer(); }
                @Override public Rng dropoutRng() { return engine.dropoutRng(); }
                @Override public void close() { engine.close(); }
            };
        };
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static void assertSameRun(Checkpoint expected, Checkpoint actual) {
        assertArrayEquals(expected.parameters(), actual.parameters(), "parameters");
        RunState a = expected.run(), b = actual.run();
        assertEquals(a.iteration(), b.iteration());
        assertEquals(a.optimizerState().length, b.optimizerState().length);
        for (int i = 0; i < a.optimizerState().length; i++) {
            assertArrayEquals(a.optimizerState()[i], b.optimizerState()[i], "optimizer state " + i);
        }
        assertEquals(a.optimizerStep(), b.optimizerStep());
        assertEquals(a.dataCursor(), b.dataCursor());
        assertEquals(a.epoch(), b.epoch());
        assertEquals(a.sampleRngState(), b.sampleRngState(), "sample generator");
        assertEquals(a.dropoutRngState(), b.dropoutRngState(), "dropout generator");
        assertEquals(a.schedule(), b.schedule());
        assertEquals(a.smoothedLoss(), b.smoothedLoss());
        for (int l = 0; l < a.carriedState().layers(); l++) {
            assertArrayEquals(a.carriedState().h(l), b.carriedState().h(l), "carried h of layer " + l);
            assertArrayEquals(a.carriedState().c(l), b.carriedState().c(l), "carried c of layer " + l);
        }
    }
}
