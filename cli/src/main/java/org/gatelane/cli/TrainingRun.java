package org.gatelane.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.gatelane.core.Checkpoint;
import org.gatelane.core.CheckpointException;
import org.gatelane.core.Corpus;
import org.gatelane.core.CorpusException;
import org.gatelane.core.Evaluation;
import org.gatelane.core.GradientClipping;
import org.gatelane.core.LearningRateSchedule;
import org.gatelane.core.LstmModel;
import org.gatelane.core.LstmShape;
import org.gatelane.core.Optimizer;
import org.gatelane.core.Rng;
import org.gatelane.core.Sampler;
import org.gatelane.core.TextBatches;
import org.gatelane.core.Trainer;
import org.gatelane.kernels.Kernels;
import org.gatelane.kernels.LstmKernels;

/**
 * One training run: the model, its trainer, the data position and everything else a checkpoint holds, so that
 * a run resumed from a checkpoint computes exactly what the uninterrupted run would have.
 */
final class TrainingRun implements AutoCloseable {

    /** Weight of the newest loss in the smoothed loss shown to the user. */
    private static final double SMOOTHING = 0.01;
    private static final int SAMPLE_LENGTH = 100;

    private final TrainingSettings settings;
    private final Corpus corpus;
    private final PrintWriter out;
    private final LstmKernels kernels = Kernels.preferred();
    private final LstmModel model;
    private final Trainer trainer;
    private final TextBatches batches;
    private final int trainEnd;
    private final int[] inputs;
    private final int[] targets;
    private final Rng rng;
    private long iteration;
    private double smoothedLoss;
    private double bestValidation;

    private TrainingRun(TrainingSettings settings, Corpus corpus, PrintWriter out, LstmModel model, long rngState) {
        this.settings = settings;
        this.corpus = corpus;
        this.out = out;
        this.model = model;
        int validationLength = (int) (corpus.length() * settings.valFraction());
        if (validationLength > 0 && validationLength < 2) {
            throw new CorpusException("the validation tail would hold " + validationLength
                    + " character; use a longer text or --val-fraction 0");
        }
        this.trainEnd = corpus.length() - validationLength;
        this.batches = new TextBatches(corpus, 0, trainEnd, settings.seqLength(), settings.batchSize());
        float decay = settings.learningRateDecay();
        LearningRateSchedule schedule = decay == 1f
                ? LearningRateSchedule.constant(settings.learningRate())
                : LearningRateSchedule.stepDecay(settings.learningRate(), decay, batches.chunksPerEpoch());
        GradientClipping clipping = settings.clip() > 0 ? GradientClipping.globalNorm(settings.clip())
                : GradientClipping.none();
        Optimizer optimizer = new Optimizer(settings.optimizer(), Optimizer.Settings.defaults(), kernels,
                model.layout().size());
        this.trainer = new Trainer(model, kernels, settings.seqLength(), settings.batchSize(), optimizer, clipping,
                schedule, settings.threads());
        this.inputs = new int[settings.seqLength() * settings.batchSize()];
        this.targets = new int[inputs.length];
        this.rng = new Rng(rngState);
        this.smoothedLoss = Math.log(corpus.vocabulary().size());
        this.bestValidation = Double.POSITIVE_INFINITY;
    }

    static TrainingRun start(TrainingSettings settings, Corpus corpus, PrintWriter out) {
        LstmShape shape = LstmShape.characterModel(corpus.vocabulary().size(), settings.hidden(), settings.layers());
        return new TrainingRun(settings, corpus, out, LstmModel.initialized(shape, settings.seed()), settings.seed());
    }

    static TrainingRun resume(Path file, Corpus corpus, PrintWriter out, int threads) throws IOException {
        Checkpoint saved = Checkpoint.read(file);
        if (!saved.vocabulary().equals(corpus.vocabulary())) {
            throw new CorpusException("the text's characters differ from those of the model in " + file
                    + "; resume with the text it was trained on");
        }
        TrainingSettings settings = TrainingSettings.fromOptions(saved.options(), threads);
        TrainingRun run = new TrainingRun(settings, corpus, out, new LstmModel(saved.shape(), saved.parameters()),
                saved.rngState());
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
        Optimizer optimizer = trainer.optimizer();
        if (saved.optimizerState().length != optimizer.state().length) {
            throw new CheckpointException(file + " is corrupt: its optimizer state does not fit "
                    + settings.optimizer().name().toLowerCase(Locale.ROOT));
        }
        for (int i = 0; i < saved.optimizerState().length; i++) {
            System.arraycopy(saved.optimizerState()[i], 0, optimizer.state()[i], 0, saved.parameters().length);
        }
        optimizer.restoreStep(saved.optimizerStep());
        batches.restore(saved.dataCursor(), saved.epoch());
        trainer.state().copyFrom(saved.carriedState());
        iteration = saved.iteration();
        smoothedLoss = Double.parseDouble(saved.options().getOrDefault("smoothedLoss", "NaN"));
        bestValidation = Double.parseDouble(saved.options().getOrDefault("bestValidation", "Infinity"));
    }

    /** Stops the trainer's helper threads, if it has any. */
    @Override
    public void close() {
        trainer.close();
    }

    int chunksPerEpoch() {
        return batches.chunksPerEpoch();
    }

    /**
     * Trains until {@code total} iterations, printing and checkpointing on the way. Ctrl-C stops it after the
     * current iteration with a checkpoint.
     *
     * @return true if it reached {@code total}, false if interrupted
     */
    boolean trainUntil(long total, int sampleEvery, int checkpointEvery, Path checkpoint) throws IOException {
        Progress progress = Progress.forConsole(out, total, iteration, settings.seqLength() * settings.batchSize());
        LossHistory history = new LossHistory(LossHistory.fileBeside(checkpoint));
        Interrupt interrupt = Interrupt.install();
        try {
            printHeader(total);
            while (iteration < total && !interrupt.requested()) {
                if (batches.next(inputs, targets)) {
                    trainer.state().reset();
                }
                float loss = trainer.step(inputs, targets);
                iteration++;
                smoothedLoss = Double.isNaN(smoothedLoss) ? loss : (1 - SMOOTHING) * smoothedLoss + SMOOTHING * loss;
                progress.update(iteration, smoothedLoss);
                if (iteration % sampleEvery == 0) {
                    history.train(iteration, loss, smoothedLoss);
                    progress.println(String.format("iter %d | loss %.4f | %s%n----%n%s%n----", iteration, smoothedLoss,
                            progress.speed(), sample()));
                }
                if (iteration % checkpointEvery == 0 || iteration == total) {
                    save(checkpoint, history, progress);
                }
            }
            if (interrupt.requested() && iteration < total) {
                save(checkpoint, history, progress);
                progress.println("interrupted at iteration " + iteration + "; resume with --resume");
                return false;
            }
            progress.finish();
            return true;
        } finally {
            interrupt.done();
        }
    }

    private void printHeader(long total) {
        out.printf("training %d-layer LSTM, H=%d, %d symbols, %d chars for training, %d for validation; "
                        + "kernels %s; iterations %d..%d%n", settings.layers(), settings.hidden(),
                corpus.vocabulary().size(), trainEnd, corpus.length() - trainEnd, kernels.name(), iteration + 1, total);
    }

    /** A sample from the current model, continuing stream 0's state from its last input. */
    private String sample() {
        Sampler sampler = new Sampler(model, kernels);
        for (int l = 0; l < model.shape().layers(); l++) {
            System.arraycopy(trainer.state().h(l), 0, sampler.state().h(l), 0, settings.hidden());
            System.arraycopy(trainer.state().c(l), 0, sampler.state().c(l), 0, settings.hidden());
        }
        StringBuilder text = new StringBuilder();
        int symbol = inputs[inputs.length - settings.batchSize()];
        for (int i = 0; i < SAMPLE_LENGTH; i++) {
            symbol = sampler.draw(sampler.feed(symbol), 1f, 0, 1f, rng);
            text.appendCodePoint(corpus.vocabulary().codePoint(symbol));
        }
        return text.toString();
    }

    private void save(Path checkpoint, LossHistory history, Progress progress) throws IOException {
        String validation = "";
        boolean best = false;
        if (trainEnd < corpus.length()) {
            Evaluation score = Evaluation.of(model, kernels, corpus, trainEnd, corpus.length(), settings.seqLength());
            history.validation(iteration, score.nats());
            best = score.nats() < bestValidation;
            bestValidation = Math.min(bestValidation, score.nats());
            validation = String.format(" | validation %.3f bits/char, perplexity %.2f", score.bitsPerSymbol(),
                    score.perplexity());
        }
        Checkpoint state = checkpoint();
        state.write(checkpoint);
        if (best) {
            state.write(bestBeside(checkpoint));
        }
        progress.println(String.format("checkpoint iter %d%s -> %s%s", iteration, validation, checkpoint,
                best ? " (best so far, also " + bestBeside(checkpoint).getFileName() + ")" : ""));
    }

    static Path bestBeside(Path checkpoint) {
        return checkpoint.resolveSibling(checkpoint.getFileName() + ".best");
    }

    private Checkpoint checkpoint() {
        Map<String, String> options = settings.toOptions();
        options.put("smoothedLoss", Double.toString(smoothedLoss));
        options.put("bestValidation", Double.toString(bestValidation));
        Optimizer optimizer = trainer.optimizer();
        return new Checkpoint(model.shape(), corpus.vocabulary(), options, model.parameters(), optimizer.state(),
                optimizer.step(), iteration, rng.state(), batches.cursor(), batches.epoch(), trainer.state());
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
