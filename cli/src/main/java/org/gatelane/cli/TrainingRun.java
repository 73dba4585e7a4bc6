package org.gatelane.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.gatelane.core.infer.Evaluation;
import org.gatelane.core.infer.Sampler;
import org.gatelane.core.io.Checkpoint;
import org.gatelane.core.io.CheckpointException;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.model.Rng;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.CorpusException;
import org.gatelane.core.text.TextBatches;
import org.gatelane.core.train.GradientClipping;
import org.gatelane.core.train.NonFiniteException;
import org.gatelane.core.train.Optimizer;
import org.gatelane.core.train.Trainer;
import org.gatelane.core.train.TrainingSchedule;
import org.gatelane.kernels.Kernels;
import org.gatelane.kernels.RecurrentKernels;

/**
 * One training run: the model, its trainer, the data position and everything else a checkpoint holds, so that
 * a run resumed from a checkpoint computes exactly what the uninterrupted run would have.
 */
final class TrainingRun implements AutoCloseable {

    /** Weight of the newest loss in the smoothed loss shown to the user. */
    private static final double SMOOTHING = 0.01;
    private static final int SAMPLE_LENGTH = 100;
    /** Rollbacks without a successful validation in between before a run gives up. */
    private static final int MAX_ROLLBACKS = 3;
    /** Most streams a validation during training reads side by side; {@code gatelane eval} reads one. */
    private static final int VALIDATION_STREAMS = 16;

    /**
     * The text a run learns and the text it is validated on: a held-out tail of the same corpus, or another.
     *
     * @param trainEnd where training stops in {@code training}
     */
    record Texts(Corpus training, int trainEnd, Corpus validation, int validationFrom) {

        /** The last {@code fraction} of {@code text} held out. */
        static Texts heldOut(Corpus text, double fraction) {
            int validationLength = (int) (text.length() * fraction);
            if (validationLength > 0 && validationLength < 2) {
                throw new CorpusException("the validation tail would hold " + validationLength
                        + " character; use a longer text or --val-fraction 0");
            }
            return new Texts(text, text.length() - validationLength, text, text.length() - validationLength);
        }

        boolean validates() {
            return validationFrom < validation.length();
        }

        int validationLength() {
            return validation.length() - validationFrom;
        }
    }

    private final TrainingSettings settings;
    private final Texts texts;
    private final PrintWriter out;
    private final RecurrentKernels kernels = Kernels.preferred();
    private final RecurrentModel model;
    private final Trainer trainer;
    private final TrainingSchedule schedule;
    private final TextBatches batches;
    private final int[] inputs;
    private final int[] targets;
    private final Rng rng;
    private final Snapshot lastValidated;
    private long iteration;
    private double smoothedLoss;
    private double trainedSeconds;
    private int rollbacks;

    private TrainingRun(TrainingSettings settings, Texts texts, PrintWriter out, RecurrentModel model, long rngState,
                        long dropoutRngState, int threads) {
        this.settings = settings;
        this.texts = texts;
        this.out = out;
        this.model = model;
        Trainer.Batching batching = batching(settings, threads);
        this.batches = new TextBatches(texts.training(), 0, texts.trainEnd(), settings.seqLength(),
                settings.batchSize());
        this.schedule = new TrainingSchedule(settings.scheduleSettings(batches.chunksPerEpoch()));
        GradientClipping clipping = settings.clip() > 0 ? GradientClipping.globalNorm(settings.clip())
                : GradientClipping.none();
        Optimizer optimizer = new Optimizer(settings.optimizer(), Optimizer.Settings.defaults(), kernels,
                model.layout().size());
        this.trainer = new Trainer(model, kernels, optimizer, clipping, schedule, batching, new Rng(dropoutRngState));
        this.inputs = new int[settings.seqLength() * settings.batchSize()];
        this.targets = new int[inputs.length];
        this.rng = new Rng(rngState);
        this.smoothedLoss = Math.log(texts.training().vocabulary().size());
        this.lastValidated = settings.onNonFinite() == TrainingSettings.NonFinitePolicy.ROLLBACK
                ? new Snapshot(model, optimizer) : null;
    }

    /** A fresh run from {@code model} (newly initialised, or the weights of another model to fine-tune). */
    static TrainingRun start(TrainingSettings settings, Texts texts, RecurrentModel model, PrintWriter out, int threads) {
        TrainingRun run = new TrainingRun(settings, texts, out, model, settings.seed(), ~settings.seed(), threads);
        if (run.lastValidated != null) {
            run.lastValidated.take();
        }
        return run;
    }

    private static Trainer.Batching batching(TrainingSettings settings, int threads) {
        return new Trainer.Batching(settings.seqLength(), settings.batchSize(), settings.streamGroups(), threads,
                settings.dropout());
    }

    /**
     * Refuses, before anything is allocated, a run whose model, trainer and rollback copy would not fit in the
     * heap; the message says how many bytes it would take.
     */
    static void requireHeap(TrainingSettings settings, int vocabularySize, int threads) {
        ModelShape shape = shape(settings, vocabularySize);
        int rollbackCopies = settings.onNonFinite() == TrainingSettings.NonFinitePolicy.ROLLBACK
                ? 1 + settings.optimizer().stateArrays() : 0;
        Trainer.requireHeap(shape, settings.optimizer(), batching(settings, threads), rollbackCopies);
    }

    private static ModelShape shape(TrainingSettings settings, int vocabularySize) {
        return ModelShape.characterModel(vocabularySize, settings.hidden(), settings.layers()).withCell(settings.cell());
    }

    /** A model of the run's shape, initialised as the settings say. */
    static RecurrentModel initialModel(TrainingSettings settings, int vocabularySize) {
        ModelShape shape = shape(settings, vocabularySize);
        return Float.isNaN(settings.forgetBias()) ? RecurrentModel.initialized(shape, settings.seed())
                : RecurrentModel.initialized(shape, settings.seed(), settings.forgetBias());
    }

    /** The run saved in {@code saved}, continued on {@code texts} (which the caller read over its vocabulary). */
    static TrainingRun resume(Path file, Checkpoint saved, TrainingSettings settings, Texts texts, PrintWriter out,
                              int threads) {
        Map<String, String> options = saved.options();
        long trainingLength = Long.parseLong(options.getOrDefault("trainingLength", Long.toString(texts.trainEnd())));
        if (trainingLength != texts.trainEnd()) {
            throw new CorpusException("the text has " + texts.trainEnd() + " characters for training but the run in "
                    + file + " trained on " + trainingLength + "; resume with the text it was trained on");
        }
        TrainingRun run = new TrainingRun(settings, texts, out, saved.model(), saved.rngState(),
                Long.parseLong(options.getOrDefault("dropoutRng", "0")), threads);
        try {
            run.restore(file, saved);
        } catch (RuntimeException e) {
            run.close();
            throw e;
        }
        out.printf("resuming %s at iteration %d%n", file, run.iteration);
        return run;
    }

    /** Everything but the parameters (already in the model) from a checkpoint. */
    private void restore(Path file, Checkpoint saved) {
        try {
            trainer.optimizer().restore(saved.optimizerState(), saved.optimizerStep());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + " is corrupt: " + e.getMessage());
        }
        batches.restore(saved.dataCursor(), saved.epoch());
        trainer.state().copyFrom(saved.carriedState());
        iteration = saved.iteration();
        Map<String, String> options = saved.options();
        smoothedLoss = Double.parseDouble(options.getOrDefault("smoothedLoss", "NaN"));
        trainedSeconds = Double.parseDouble(options.getOrDefault("trainedSeconds", "0"));
        rollbacks = Integer.parseInt(options.getOrDefault("rollbacks", "0"));
        schedule.restore(new TrainingSchedule.State(Float.parseFloat(options.getOrDefault("rateMultiplier", "1")),
                Double.parseDouble(options.getOrDefault("bestValidation", "Infinity")),
                Integer.parseInt(options.getOrDefault("validationsSinceBest", "0")),
                Integer.parseInt(options.getOrDefault("validationsSinceDecay", "0"))));
        if (lastValidated != null) {
            lastValidated.take();
        }
    }

    /** Stops the trainer's helper threads, if it has any. */
    @Override
    public void close() {
        trainer.close();
    }

    /** The live model (tests plant faults in it). */
    RecurrentModel model() {
        return model;
    }

    long iteration() {
        return iteration;
    }

    int chunksPerEpoch() {
        return batches.chunksPerEpoch();
    }

    /** How often to print, log, save and validate. */
    record Cadence(int sampleEvery, int logEvery, int checkpointEvery) {
    }

    /**
     * Trains until {@code total} iterations, printing and checkpointing on the way. Ctrl-C stops it after the
     * current iteration with a checkpoint.
     *
     * @return true if it reached {@code total} or stopped early for want of improvement, false if interrupted
     */
    boolean trainUntil(long total, Cadence cadence, Path checkpoint) throws IOException {
        Progress progress = Progress.forConsole(out, total, iteration, settings.seqLength() * settings.batchSize());
        LossHistory history = new LossHistory(LossHistory.fileBeside(checkpoint));
        Interrupt interrupt = Interrupt.install();
        try {
            printHeader(total);
            long lastTick = System.nanoTime();
            while (iteration < total && !interrupt.requested()) {
                if (batches.next(inputs, targets)) {
                    trainer.state().reset();
                }
                float loss;
                try {
                    loss = trainer.step(inputs, targets);
                } catch (NonFiniteException e) {
                    rollBack(e, progress);
                    continue;
                }
                iteration++;
                long now = System.nanoTime();
                trainedSeconds += (now - lastTick) / 1e9;
                lastTick = now;
                smoothedLoss = Double.isNaN(smoothedLoss) ? loss : (1 - SMOOTHING) * smoothedLoss + SMOOTHING * loss;
                progress.update(iteration, smoothedLoss);
                if (iteration % cadence.logEvery() == 0) {
                    history.train(iteration, trainedSeconds, loss, smoothedLoss);
                }
                if (iteration % cadence.sampleEvery() == 0) {
                    progress.println(String.format("iter %d | loss %.4f | %s%n----%n%s%n----", iteration, smoothedLoss,
                            progress.speed(), sample()));
                }
                if (iteration % cadence.checkpointEvery() == 0 || iteration == total) {
                    boolean stop = validateAndSave(checkpoint, history, progress);
                    lastTick = System.nanoTime();
                    if (stop) {
                        progress.println("early stop: no improvement in " + settings.earlyStop() + " validations; "
                                + "the best model is " + bestBeside(checkpoint));
                        progress.finish();
                        return true;
                    }
                }
            }
            if (interrupt.requested() && iteration < total) {
                checkpoint().write(checkpoint);
                progress.println("interrupted at iteration " + iteration + "; saved " + checkpoint
                        + ", resume with --resume");
                return false;
            }
            progress.finish();
            return true;
        } finally {
            interrupt.done();
        }
    }

    /** Stops the run, or returns to the last validation with half the rate, as the settings say. */
    private void rollBack(NonFiniteException e, Progress progress) {
        if (lastValidated == null) {
            throw e;
        }
        if (++rollbacks > MAX_ROLLBACKS) {
            throw new NonFiniteException(e.getMessage() + "; " + MAX_ROLLBACKS + " rollbacks did not help");
        }
        lastValidated.restore();
        schedule.halve();
        progress.println(String.format(Locale.ROOT, "iter %d | %s; rolled back to the last validation, learning "
                + "rate now %.3g (rollback %d of %d)", iteration, e.getMessage(), schedule.rate(
                trainer.optimizer().step()), rollbacks, MAX_ROLLBACKS));
    }

    private void printHeader(long total) {
        out.printf("training %d-layer %s, H=%d, %d symbols, %d chars for training, %d for validation; "
                        + "kernels %s; iterations %d..%d%n", settings.layers(),
                settings.cell().name(), settings.hidden(),
                texts.training().vocabulary().size(), texts.trainEnd(), texts.validates() ? texts.validationLength() : 0,
                kernels.name(), iteration + 1, total);
    }

    /** A sample from the current model, continuing stream 0 from the state after its last input. */
    private String sample() {
        Sampler sampler = new Sampler(model, kernels);
        RecurrentState.copyStreams(trainer.state(), 0, sampler.state(), 0, 1);
        StringBuilder text = new StringBuilder();
        // The state has seen the chunk's inputs; what comes next in the text is the last target.
        int symbol = targets[targets.length - settings.batchSize()];
        for (int i = 0; i < SAMPLE_LENGTH; i++) {
            symbol = sampler.draw(sampler.feed(symbol), 1f, 0, 1f, rng);
            text.appendCodePoint(texts.training().vocabulary().codePoint(symbol));
        }
        return text.toString();
    }

    /** Validates, lets the schedule learn from it, saves; returns whether early stopping says to stop. */
    private boolean validateAndSave(Path checkpoint, LossHistory history, Progress progress) throws IOException {
        String validation = "";
        boolean best = false;
        if (texts.validates()) {
            // Side by side, a piece of at least 50 chunks each: a few zero-state starts cost far less accuracy
            // than the seconds one stream would take from training.
            int streams = Math.clamp(texts.validationLength() / (50L * settings.seqLength()), 1, VALIDATION_STREAMS);
            Evaluation score = Evaluation.of(model, kernels, texts.validation(), texts.validationFrom(),
                    texts.validation().length(), settings.seqLength(), streams);
            history.validation(iteration, trainedSeconds, score.nats());
            best = schedule.validated(score.nats());
            validation = String.format(" | validation %.3f bits/char, perplexity %.2f", score.bitsPerSymbol(),
                    score.perplexity());
        }
        rollbacks = 0;
        if (lastValidated != null) {
            lastValidated.take();
        }
        Checkpoint state = checkpoint();
        state.write(checkpoint);
        if (best) {
            state.write(bestBeside(checkpoint));
        }
        progress.println(String.format("checkpoint iter %d%s -> %s%s", iteration, validation, checkpoint,
                best ? " (best so far, also " + bestBeside(checkpoint).getFileName() + ")" : ""));
        return settings.earlyStop() > 0 && schedule.validationsSinceBest() >= settings.earlyStop();
    }

    static Path bestBeside(Path checkpoint) {
        return checkpoint.resolveSibling(checkpoint.getFileName() + ".best");
    }

    private Checkpoint checkpoint() {
        Map<String, String> options = settings.toOptions();
        options.put("smoothedLoss", Double.toString(smoothedLoss));
        options.put("trainedSeconds", Double.toString(trainedSeconds));
        options.put("trainingLength", Integer.toString(texts.trainEnd()));
        options.put("dropoutRng", Long.toString(trainer.dropoutRng().state()));
        options.put("rollbacks", Integer.toString(rollbacks));
        TrainingSchedule.State state = schedule.state();
        options.put("rateMultiplier", Float.toString(state.multiplier()));
        options.put("bestValidation", Double.toString(state.best()));
        options.put("validationsSinceBest", Integer.toString(state.sinceBest()));
        options.put("validationsSinceDecay", Integer.toString(state.sinceDecay()));
        Optimizer optimizer = trainer.optimizer();
        return new Checkpoint(model.shape(), texts.training().vocabulary(), options, model.parameters(),
                optimizer.state(), optimizer.step(), iteration, rng.state(), batches.cursor(), batches.epoch(),
                trainer.state());
    }

    /** The parameters and optimizer state at the last validation, kept in memory for a rollback. */
    private static final class Snapshot {
        private final RecurrentModel model;
        private final Optimizer optimizer;
        private final float[] parameters;
        private final float[][] optimizerState;
        private long optimizerStep;

        Snapshot(RecurrentModel model, Optimizer optimizer) {
            this.model = model;
            this.optimizer = optimizer;
            this.parameters = new float[model.parameters().length];
            this.optimizerState = new float[optimizer.state().length][parameters.length];
        }

        void take() {
            System.arraycopy(model.parameters(), 0, parameters, 0, parameters.length);
            for (int i = 0; i < optimizerState.length; i++) {
                System.arraycopy(optimizer.state()[i], 0, optimizerState[i], 0, parameters.length);
            }
            optimizerStep = optimizer.step();
        }

        void restore() {
            System.arraycopy(parameters, 0, model.parameters(), 0, parameters.length);
            optimizer.restore(optimizerState, optimizerStep);
        }
    }

    /** Ctrl-C: ask the loop to stop, and hold the JVM's shutdown until its checkpoint is written. */
    private static final class Interrupt {
        private volatile boolean requested;
        private final CountDownLatch finished = new CountDownLatch(1);
        private Thread hook;

        static Interrupt install() {
            Interrupt interrupt = new Interrupt();
            interrupt.hook = new Thread(() -> {
                interrupt.requested = true;
                try {
                    interrupt.finished.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "gatelane-interrupt");
            Runtime.getRuntime().addShutdownHook(interrupt.hook);
            return interrupt;
        }

        boolean requested() {
            return requested;
        }

        void done() {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running: it returns now that the latch is open.
            }
        }
    }
}
