package org.gatelane.core.train;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.gatelane.core.infer.Evaluation;
import org.gatelane.core.infer.Sampler;
import org.gatelane.core.io.Checkpoint;
import org.gatelane.core.io.CheckpointException;
import org.gatelane.core.io.CheckpointLock;
import org.gatelane.core.io.RunState;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.model.Rng;
import org.gatelane.core.text.CorpusException;
import org.gatelane.core.text.TextBatches;
import org.gatelane.kernels.Kernels;
import org.gatelane.kernels.RecurrentKernels;

/**
 * A whole training run: batches through the text, the learning-rate schedule, validation, the best model, early
 * stopping, rollback on non-finite values, checkpoints at a cadence, a save on request, and exact resume. Every
 * front end (the command line, a program, a cluster driver) drives this loop and listens to it through
 * {@link TrainingListener}s; none of them re-implements a piece of it.
 *
 * <p>A run resumed from one of its checkpoints computes exactly what the uninterrupted run would have: the
 * checkpoint holds the parameters, the optimizer, the data cursor, the carried state, both generators and the
 * schedule ({@link RunState}).
 *
 * <p>Not thread-safe, except {@link #requestStop()}, which any thread may call.
 */
public final class TrainingLoop implements AutoCloseable {

    /** Weight of the newest loss in the smoothed loss shown to the user. */
    private static final double SMOOTHING = 0.01;
    private static final int SAMPLE_LENGTH = 100;
    /** Rollbacks without a successful validation in between before a run gives up. */
    public static final int MAX_ROLLBACKS = 3;
    /** Most streams a validation during training reads side by side; {@code gatelane eval} reads one. */
    private static final int VALIDATION_STREAMS = 16;
    /** Passes of a validation that a probe of its time makes (see {@link FinalValidationEstimate}). */
    private static final int PROBE_PASSES = 4;

    /**
     * How often to sample, log and checkpoint (with a validation), in iterations; and, if
     * {@code checkpointSeconds > 0}, also a checkpoint whenever the run's clock ({@link #budgetSpent}) passes a
     * multiple of that many seconds. A clock suits a time budget: each validation costs the same seconds whatever
     * the model, so a run checkpointed on a clock gives the same share of its budget to them at any size.
     *
     * @throws IllegalArgumentException if an iteration interval is below 1 or the seconds are negative or NaN
     */
    public record Cadence(int sampleEvery, int logEvery, int checkpointEvery, double checkpointSeconds) {
        public Cadence {
            if (sampleEvery < 1 || logEvery < 1 || checkpointEvery < 1 || !(checkpointSeconds >= 0)) {
                throw new IllegalArgumentException("a cadence needs every interval >= 1 and seconds >= 0 but was "
                        + sampleEvery + ", " + logEvery + ", " + checkpointEvery + ", " + checkpointSeconds);
            }
        }

        /** Checkpoints by iterations only. */
        public Cadence(int sampleEvery, int logEvery, int checkpointEvery) {
            this(sampleEvery, logEvery, checkpointEvery, 0);
        }

        /** Iterations between checkpoints of a run without a time budget, unless its caller says otherwise. */
        public static final int DEFAULT_CHECKPOINT_EVERY = 1000;
        /**
         * Seconds of the run's clock between checkpoints of a run with a time budget, unless its caller says
         * otherwise: a run of up to 10 minutes validates once, at its end. At 1000 iterations a 120 s run (H = 256,
         * the KJV) spent 3 % of its budget on a validation in the middle, time that the steps it displaced would
         * have turned into a better model.
         */
        public static final double DEFAULT_CHECKPOINT_SECONDS_WITH_BUDGET = 600;

        /** The default for a run of {@code settings}: on its clock with a time budget, else by iterations. */
        public static Cadence defaultFor(TrainingSettings settings, int sampleEvery, int logEvery) {
            return settings.timeBudgetSeconds() > 0
                    ? onClock(sampleEvery, logEvery, DEFAULT_CHECKPOINT_SECONDS_WITH_BUDGET)
                    : new Cadence(sampleEvery, logEvery, DEFAULT_CHECKPOINT_EVERY);
        }

        /** Checkpoints every {@code checkpointSeconds} of the run's clock, and never by iterations. */
        public static Cadence onClock(int sampleEvery, int logEvery, double checkpointSeconds) {
            if (!(checkpointSeconds > 0)) {
                throw new IllegalArgumentException("a clock cadence needs seconds > 0 but was " + checkpointSeconds);
            }
            return new Cadence(sampleEvery, logEvery, Integer.MAX_VALUE, checkpointSeconds);
        }

        /** Whether the clock says to checkpoint, the last checkpoint having been at {@code savedAtSeconds}. */
        boolean clockDue(double savedAtSeconds, double nowSeconds) {
            return checkpointSeconds > 0
                    && Math.floor(nowSeconds / checkpointSeconds) > Math.floor(savedAtSeconds / checkpointSeconds);
        }
    }

    /** How a call to {@link #run} ended. */
    public enum Outcome {
        /** The last iteration was reached. */
        COMPLETED,
        /** Early stopping ended the run; the best model is the {@code .best} checkpoint. */
        STOPPED_EARLY,
        /** {@link #requestStop()} ended it; the run was saved and can be resumed. */
        INTERRUPTED
    }

    private final TrainingSettings settings;
    private final TrainingTexts texts;
    private final RecurrentKernels kernels = Kernels.preferred();
    private final RecurrentModel model;
    private final TrainingEngine engine;
    private final TrainingSchedule schedule;
    private final TextBatches batches;
    /** A round's chunks, and for each whether it starts a new epoch and its loss. */
    private final int[][] inputs;
    private final int[][] targets;
    private final boolean[][] restarts;
    private final float[] losses;
    private final Rng sampleRng;
    private final RollbackPoint lastValidated;
    private final long trainingFingerprint;
    private final long validationFingerprint;
    private volatile boolean stopRequested;
    /** Where this process's share of a time budget began, on the {@link System#nanoTime} clock. */
    private long clockStart = System.nanoTime();
    /** Seconds of the time budget that earlier sessions of a resumed run spent. */
    private double budgetSpentBefore;
    /** What the final validation of a timed run will take, from the rounds and validations so far. */
    private final FinalValidationEstimate finalValidation = new FinalValidationEstimate();
    /** The iteration of the last checkpoint written or resumed from. */
    private long savedAt = -1;
    private long iteration;
    private double smoothedLoss;
    private double trainedSeconds;
    private int rollbacks;

    private TrainingLoop(TrainingSettings settings, TrainingTexts texts, RecurrentModel model, long sampleRngState,
                         long dropoutRngState, TrainingEngine.Factory engines) {
        this.settings = settings;
        this.texts = texts;
        this.model = model;
        this.batches = new TextBatches(texts.training(), 0, texts.trainEnd(), settings.seqLength(),
                settings.batchSize(), settings.restartEvery());
        this.schedule = new TrainingSchedule(settings.scheduleSettings(batches.chunksPerEpoch()));
        GradientClipping clipping = settings.clip() > 0 ? GradientClipping.globalNorm(settings.clip())
                : GradientClipping.none();
        Optimizer optimizer = new Optimizer(settings.optimizer(), Optimizer.Settings.defaults(), kernels,
                model.layout().size());
        this.engine = engines.create(model, kernels, optimizer, clipping, schedule, settings.batching(1,
                batches.chunksPerEpoch()), new Rng(dropoutRngState));
        int rounds = engine.roundLength();
        this.inputs = new int[rounds][settings.seqLength() * settings.batchSize()];
        this.targets = new int[rounds][settings.seqLength() * settings.batchSize()];
        this.restarts = new boolean[rounds][settings.batchSize()];
        this.losses = new float[rounds];
        this.sampleRng = new Rng(sampleRngState);
        this.smoothedLoss = Math.log(texts.training().vocabulary().size());
        this.lastValidated = settings.onNonFinite() == TrainingSettings.NonFinitePolicy.ROLLBACK
                ? new RollbackPoint(model, optimizer) : null;
        if (settings.timeBudgetSeconds() > 0) {
            schedule.followTime(() -> Math.min(1, budgetSpent() / settings.timeBudgetSeconds()));
        }
        this.trainingFingerprint = texts.training().fingerprint(0, texts.trainEnd());
        this.validationFingerprint = texts.validates()
                ? texts.validation().fingerprint(texts.validationFrom(), texts.validation().length()) : 0;
    }

    /**
     * A fresh run from {@code model}: newly initialised ({@link TrainingSettings#initialModel}), or the weights of
     * another model to fine-tune, over the training text's vocabulary.
     *
     * @param threads threads per step; the results are the same for any count
     */
    public static TrainingLoop start(TrainingSettings settings, TrainingTexts texts, RecurrentModel model,
                                     int threads) {
        return start(settings, texts, model, TrainingEngine.Factory.threads(threads));
    }

    /**
     * As {@link #start(TrainingSettings, TrainingTexts, RecurrentModel, int)}, training with the engine
     * {@code engine} makes (a trainer whose groups a cluster computes, say), which the loop closes when it is closed.
     */
    public static TrainingLoop start(TrainingSettings settings, TrainingTexts texts, RecurrentModel model,
                                     TrainingEngine.Factory engine) {
        TrainingLoop loop = new TrainingLoop(settings, texts, model, settings.seed(), ~settings.seed(), engine);
        if (loop.lastValidated != null) {
            loop.lastValidated.take();
        }
        return loop;
    }

    /** What a resume accepts of texts other than those the run was saved with. */
    public enum Data {
        /** The same training and validation texts, character for character (the default). */
        SAME,
        /** Other texts of the same training length, for those who mean to continue on them. */
        OTHER
    }

    /**
     * The run saved in {@code saved} (read from {@code file}), continued on {@code texts}, which the caller read
     * over the checkpoint's vocabulary; the texts must be those the run was saved with.
     *
     * @throws CheckpointException if the file holds no run, or a corrupt one
     * @throws CorpusException     if the training text is not as long as the one the run trained on, or either text
     *                             differs from the run's
     */
    public static TrainingLoop resume(Path file, Checkpoint saved, TrainingSettings settings, TrainingTexts texts,
                                      int threads) {
        return resume(file, saved, settings, texts, threads, Data.SAME);
    }

    /** As {@link #resume(Path, Checkpoint, TrainingSettings, TrainingTexts, int)}, accepting other texts if asked. */
    public static TrainingLoop resume(Path file, Checkpoint saved, TrainingSettings settings, TrainingTexts texts,
                                      int threads, Data data) {
        return resume(file, saved, settings, texts, TrainingEngine.Factory.threads(threads), data);
    }

    /** As {@link #resume(Path, Checkpoint, TrainingSettings, TrainingTexts, int, Data)} with {@code engine}. */
    public static TrainingLoop resume(Path file, Checkpoint saved, TrainingSettings settings, TrainingTexts texts,
                                      TrainingEngine.Factory engine, Data data) {
        RunState run = requireRun(file, saved);
        if (run.trainingLength() != RunState.UNRECORDED && run.trainingLength() != texts.trainEnd()) {
            throw new CorpusException("the text has " + texts.trainEnd() + " characters for training but the run in "
                    + file + " trained on " + run.trainingLength() + "; resume with the text it was trained on");
        }
        TrainingLoop loop = new TrainingLoop(settings, texts, saved.model(), run.sampleRngState(),
                run.dropoutRngState(), engine);
        try {
            if (data == Data.SAME) {
                loop.requireSameTexts(file, run);
            }
            loop.restore(file, run);
        } catch (RuntimeException e) {
            loop.close();
            throw e;
        }
        return loop;
    }

    /**
     * The run saved in {@code saved}, read from {@code file}.
     *
     * @throws CheckpointException if the file holds a model without a run (an import, for example)
     */
    public static RunState requireRun(Path file, Checkpoint saved) {
        if (saved.run() == null) {
            throw new CheckpointException(file + " holds a model but no training run to resume; start one from it "
                    + "with --init-from");
        }
        return saved.run();
    }

    private void requireSameTexts(Path file, RunState run) {
        String differs = run.trainingFingerprint() != RunState.UNRECORDED
                && run.trainingFingerprint() != trainingFingerprint ? "training"
                : run.validationFingerprint() != RunState.UNRECORDED
                && run.validationFingerprint() != validationFingerprint ? "validation" : null;
        if (differs != null) {
            throw new CorpusException("the " + differs + " text differs from the one the run in " + file
                    + " was saved with; resume with that text, or accept other data (gatelane train --allow-other-data)");
        }
    }

    private void restore(Path file, RunState run) {
        try {
            engine.optimizer().restore(run.optimizerState(), run.optimizerStep());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + " is corrupt: " + e.getMessage());
        }
        batches.restore(run.dataCursor(), run.epoch());
        engine.state().copyFrom(run.carriedState());
        iteration = run.iteration();
        savedAt = iteration;
        budgetSpentBefore = run.budgetSpentSeconds();
        smoothedLoss = run.smoothedLoss();
        trainedSeconds = run.trainedSeconds();
        rollbacks = run.rollbacks();
        RunState.Schedule saved = run.schedule();
        schedule.restore(new TrainingSchedule.State(saved.rateMultiplier(), saved.bestValidation(),
                saved.validationsSinceBest(), saved.validationsSinceDecay()));
        if (lastValidated != null) {
            lastValidated.take();
        }
    }

    /** Where the best-validation model of a run saved in {@code checkpoint} goes. */
    public static Path bestBeside(Path checkpoint) {
        return checkpoint.resolveSibling(checkpoint.getFileName() + ".best");
    }

    /**
     * Counts the time budget from {@code startedAt} rather than from this loop's construction, so that a budget
     * given on a command line includes the JVM's start-up. Without a time budget it changes nothing.
     */
    public void countTimeFrom(Instant startedAt) {
        clockStart = System.nanoTime() - Duration.between(startedAt, Instant.now()).toNanos();
    }

    /** Seconds of the time budget spent, those of earlier sessions of a resumed run included. */
    public double budgetSpent() {
        return budgetSpentBefore + (System.nanoTime() - clockStart) / 1e9;
    }

    /** Whether training must stop now for the final validation to end by the deadline; false without a budget. */
    public boolean timeUp() {
        return settings.timeBudgetSeconds() > 0
                && budgetSpent() + finalValidationSeconds() >= settings.timeBudgetSeconds();
    }

    /**
     * Whether the run may train on though {@link #timeUp} says to stop. Until a validation has been timed, that says
     * so on a guess, which this checks by timing a few validation passes (see {@link FinalValidationEstimate}).
     */
    private boolean probeShowsTimeLeft() {
        if (!texts.validates() || !finalValidation.wantsProbe() || budgetSpent() >= settings.timeBudgetSeconds()) {
            return false;
        }
        long characters = Math.min(texts.validationLength() - 1L,
                (long) PROBE_PASSES * validationStreams() * settings.seqLength());
        long started = System.nanoTime();
        scoreValidation((int) (texts.validationFrom() + characters + 1));
        finalValidation.probeTook((System.nanoTime() - started) / 1e9, characters);
        return !timeUp();
    }

    /** The validation text up to {@code to}, scored as a validation reads it. */
    private Evaluation scoreValidation(int to) {
        return Evaluation.of(model, kernels, texts.validation(), texts.validationFrom(), to, settings.seqLength(),
                validationStreams());
    }

    /**
     * Streams a validation reads side by side, each a piece of at least 50 chunks: a few zero-state starts cost far
     * less accuracy than the seconds one stream would take from training.
     */
    private int validationStreams() {
        return Math.clamp(texts.validationLength() / (50L * settings.seqLength()), 1, VALIDATION_STREAMS);
    }

    private double finalValidationSeconds() {
        return texts.validates() ? finalValidation.seconds(texts.validationLength(), charsPerIteration(),
                engine.localThreads()) : 0;
    }

    /** Asks the loop to stop after the current iteration and save; safe from any thread, a signal handler's too. */
    public void requestStop() {
        stopRequested = true;
    }

    /**
     * Trains until iteration {@code lastIteration} (counting those before a resume) or until the settings' time
     * budget is spent (less the time the final validation will take, so that it ends by the deadline), whichever
     * comes first, validating and writing {@code checkpoint} at the cadence and at the
     * end, and telling {@code listeners} what happens. The run holds the checkpoint's {@link CheckpointLock}
     * meanwhile.
     *
     * @throws CheckpointException if another run holds the checkpoint
     * @throws NonFiniteException if a step is not finite and the policy is to stop, or rollbacks did not help
     * @throws IOException        if a checkpoint cannot be written
     */
    public Outcome run(long lastIteration, Cadence cadence, Path checkpoint, List<TrainingListener> listeners)
            throws IOException {
        try (CheckpointLock lock = CheckpointLock.acquire(checkpoint)) {
            return runLocked(lastIteration, cadence, checkpoint, List.copyOf(listeners));
        }
    }

    private Outcome runLocked(long lastIteration, Cadence cadence, Path checkpoint, List<TrainingListener> all)
            throws IOException {
        all.forEach(l -> l.started(this, iteration + 1, lastIteration));
        long lastTick = System.nanoTime();
        double clockSeen = budgetSpent();
        while (iteration < lastIteration && !stopRequested) {
            if (timeUp()) {
                if (!probeShowsTimeLeft()) {
                    break;
                }
                lastTick = System.nanoTime();   // a probe's time is not training's
            }
            int count = (int) Math.min(engine.roundLength(), lastIteration - iteration);
            for (int k = 0; k < count; k++) {
                batches.next(inputs[k], targets[k]);
                batches.restarts(restarts[k]);
            }
            try {
                engine.round(count, inputs, targets, restarts, losses);
            } catch (NonFiniteException e) {
                rollBack(e, all);
                continue;
            }
            long now = System.nanoTime();
            double roundSeconds = (now - lastTick) / 1e9;
            lastTick = now;
            finalValidation.roundTook(roundSeconds, count);
            boolean sampleDue = false;
            boolean saveDue = false;
            for (int k = 0; k < count; k++) {
                iteration++;
                trainedSeconds += roundSeconds / count;
                float loss = losses[k];
                smoothedLoss = Double.isNaN(smoothedLoss) ? loss : (1 - SMOOTHING) * smoothedLoss + SMOOTHING * loss;
                for (TrainingListener l : all) {
                    l.iterated(iteration, loss, smoothedLoss, trainedSeconds);
                }
                if (iteration % cadence.logEvery() == 0) {
                    for (TrainingListener l : all) {
                        l.logged(iteration, loss, smoothedLoss, trainedSeconds);
                    }
                }
                sampleDue |= iteration % cadence.sampleEvery() == 0;
                saveDue |= iteration % cadence.checkpointEvery() == 0 || iteration == lastIteration;
            }
            double clock = budgetSpent();
            saveDue |= cadence.clockDue(clockSeen, clock);
            clockSeen = clock;
            // Within a round the model is not saved or sampled: both wait for its end (the next iteration counted).
            if (sampleDue) {
                String text = sample(count - 1);
                all.forEach(l -> l.sampled(iteration, smoothedLoss, text));
            }
            if (saveDue) {
                boolean stop = validateAndSave(checkpoint, all);
                lastTick = System.nanoTime();
                clockSeen = budgetSpent();   // a multiple passed while validating is not due again
                if (stop) {
                    all.forEach(l -> l.stoppedEarly(iteration, settings.earlyStop(), bestBeside(checkpoint)));
                    all.forEach(l -> l.finished(iteration));
                    return Outcome.STOPPED_EARLY;
                }
            }
        }
        if (stopRequested && iteration < lastIteration) {
            checkpoint().write(checkpoint);
            savedAt = iteration;
            all.forEach(l -> l.interrupted(iteration, checkpoint));
            return Outcome.INTERRUPTED;
        }
        if (iteration < lastIteration) {
            // The time budget is spent: the run ends as a finished run does, validated and saved.
            all.forEach(l -> l.timeSpent(iteration, settings.timeBudgetSeconds()));
            if (savedAt != iteration) {
                validateAndSave(checkpoint, all);
            }
        }
        all.forEach(l -> l.finished(iteration));
        return Outcome.COMPLETED;
    }

    /** Stops the run, or returns to the last validation with half the rate, as the settings say. */
    private void rollBack(NonFiniteException e, List<TrainingListener> listeners) {
        if (lastValidated == null) {
            throw e;
        }
        if (++rollbacks > MAX_ROLLBACKS) {
            throw new NonFiniteException(e.getMessage() + "; " + MAX_ROLLBACKS + " rollbacks did not help");
        }
        lastValidated.restore();
        schedule.halve();
        double rate = schedule.rate(engine.optimizer().step());
        listeners.forEach(l -> l.rolledBack(iteration, e.getMessage(), rate, rollbacks, MAX_ROLLBACKS));
    }

    /** A sample from the current model, continuing stream 0 from the state after chunk {@code last}'s inputs. */
    private String sample(int last) {
        Sampler sampler = new Sampler(model, kernels);
        RecurrentState.copyStreams(engine.state(), 0, sampler.state(), 0, 1);
        StringBuilder text = new StringBuilder();
        // The state has seen the chunk's inputs; what comes next in the text is the last target.
        int symbol = targets[last][targets[last].length - settings.batchSize()];
        for (int i = 0; i < SAMPLE_LENGTH; i++) {
            symbol = sampler.draw(sampler.feed(symbol), 1f, 0, 1f, sampleRng);
            text.appendCodePoint(texts.training().vocabulary().codePoint(symbol));
        }
        return text.toString();
    }

    /** Validates, lets the schedule learn from it, saves; returns whether early stopping says to stop. */
    private boolean validateAndSave(Path checkpoint, List<TrainingListener> listeners) throws IOException {
        Evaluation score = null;
        boolean best = false;
        if (texts.validates()) {
            long started = System.nanoTime();
            score = scoreValidation(texts.validation().length());
            finalValidation.validationTook((System.nanoTime() - started) / 1e9);
            best = schedule.validated(score.nats());
            for (TrainingListener l : listeners) {
                l.validated(iteration, trainedSeconds, score, best);
            }
        }
        rollbacks = 0;
        if (lastValidated != null) {
            lastValidated.take();
        }
        Checkpoint state = checkpoint();
        state.write(checkpoint);
        savedAt = iteration;
        if (best) {
            state.write(bestBeside(checkpoint));
        }
        for (TrainingListener l : listeners) {
            l.checkpointed(iteration, score, checkpoint, best ? bestBeside(checkpoint) : null);
        }
        return settings.earlyStop() > 0 && schedule.validationsSinceBest() >= settings.earlyStop();
    }

    /** The run as it stands, for a checkpoint. */
    public Checkpoint checkpoint() {
        Optimizer optimizer = engine.optimizer();
        TrainingSchedule.State state = schedule.state();
        RunState run = new RunState(iteration, optimizer.state(), optimizer.step(), batches.cursor(), batches.epoch(),
                engine.state(), sampleRng.state(), engine.dropoutRng().state(),
                new RunState.Schedule(state.multiplier(), state.best(), state.sinceBest(), state.sinceDecay()),
                smoothedLoss, trainedSeconds, rollbacks, texts.trainEnd(), trainingFingerprint, validationFingerprint,
                budgetSpent());
        Map<String, String> saved = settings.toOptions();
        return new Checkpoint(model.shape(), texts.training().vocabulary(), saved, model.parameters(), run);
    }

    /** Closes the engine (a trainer's helper threads stop). */
    @Override
    public void close() {
        engine.close();
    }

    public TrainingSettings settings() {
        return settings;
    }

    public TrainingTexts texts() {
        return texts;
    }

    /** The name of the kernels the run computes on, such as {@code vector-256}. */
    public String kernelsName() {
        return kernels.name();
    }

    /** The live model: its parameters change with every iteration. */
    public RecurrentModel model() {
        return model;
    }

    /** Iterations done, counting those before a resume. */
    public long iteration() {
        return iteration;
    }

    /** Chunks of {@code seqLength x batchSize} characters in one pass over the training text. */
    public int chunksPerEpoch() {
        return batches.chunksPerEpoch();
    }

    /** Characters one iteration trains on. */
    public int charsPerIteration() {
        return settings.seqLength() * settings.batchSize();
    }

    /**
     * Refuses, before anything is allocated, a run whose model, trainer and rollback copy would not fit in the
     * heap; the message says how many bytes it would take.
     */
    public static void requireHeap(TrainingSettings settings, int vocabularySize, int threads) {
        ModelShape shape = settings.shape(vocabularySize);
        int rollbackCopies = settings.onNonFinite() == TrainingSettings.NonFinitePolicy.ROLLBACK
                ? 1 + settings.optimizer().stateArrays() : 0;
        // When dropout begins does not change what it takes.
        Trainer.requireHeap(shape, settings.optimizer(), settings.batching(threads, 0), rollbackCopies);
    }
}
