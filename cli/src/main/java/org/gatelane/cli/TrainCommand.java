package org.gatelane.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.gatelane.core.Corpus;
import org.gatelane.core.Optimizer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code gatelane train}: the char-rnn job, with checkpoints, validation and exact resume. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a character-level LSTM language model on a UTF-8 text.",
                "Without --text it trains on a short text bundled with Gatelane. Every --sample-every iterations it",
                "prints the iteration, the smoothed loss and a generated sample."})
final class TrainCommand implements Callable<Integer> {

    static final String BUNDLED_CORPUS = "default-corpus.txt";

    @Spec
    CommandSpec spec;

    @Option(names = "--text", paramLabel = "FILE", description = "UTF-8 text to learn (default: the bundled text)")
    Path text;

    @Option(names = "--hidden", defaultValue = "128", description = "hidden units per layer (default: ${DEFAULT-VALUE})")
    int hidden;

    @Option(names = "--layers", defaultValue = "1", description = "stacked LSTM layers (default: ${DEFAULT-VALUE})")
    int layers;

    @Option(names = "--seq-length", defaultValue = "25",
            description = "characters per truncated-BPTT chunk (default: ${DEFAULT-VALUE})")
    int seqLength;

    @Option(names = "--batch-size", defaultValue = "1",
            description = "parallel streams through the text (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--optimizer", defaultValue = "adam",
            description = "adam, adamw, rmsprop or sgd (default: ${DEFAULT-VALUE})")
    String optimizer;

    @Option(names = "--lr", defaultValue = "0.002", description = "learning rate (default: ${DEFAULT-VALUE})")
    float learningRate;

    @Option(names = "--lr-decay", defaultValue = "1.0",
            description = "multiply the learning rate by this after every epoch (default: ${DEFAULT-VALUE})")
    float learningRateDecay;

    @Option(names = "--clip", defaultValue = "5.0",
            description = "clip the global gradient norm to this; 0 turns clipping off (default: ${DEFAULT-VALUE})")
    float clip;

    @Option(names = "--iterations", defaultValue = "15000",
            description = "total training iterations, counting those before a resume (default: ${DEFAULT-VALUE})")
    long iterations;

    @Option(names = "--epochs", description = "train for this many passes over the text instead of --iterations")
    Integer epochs;

    @Option(names = "--val-fraction", defaultValue = "0.1",
            description = "share of the text's tail held out for validation; 0 for none (default: ${DEFAULT-VALUE})")
    double valFraction;

    @Option(names = "--sample-every", defaultValue = "100",
            description = "print loss and a sample every N iterations (default: ${DEFAULT-VALUE})")
    int sampleEvery;

    @Option(names = "--checkpoint", defaultValue = "model.gatelane", paramLabel = "FILE",
            description = "where to save the model (default: ${DEFAULT-VALUE}); the best-validation model goes "
                    + "beside it with .best, the loss history with .csv")
    Path checkpoint;

    @Option(names = "--checkpoint-every", defaultValue = "1000",
            description = "save and validate every N iterations (default: ${DEFAULT-VALUE})")
    int checkpointEvery;

    @Option(names = "--resume", description = "continue the training saved in --checkpoint exactly where it stopped")
    boolean resume;

    @Option(names = "--force", description = "start over even if --checkpoint already exists (it is replaced)")
    boolean force;

    @Option(names = "--seed", defaultValue = "42", description = "seed of the initialisation and samples (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", defaultValue = "1",
            description = "threads per training step, used when --batch-size >= 2 (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--plot", paramLabel = "FILE", description = "draw training and validation loss into this PNG")
    Path plot;

    @Override
    public Integer call() throws IOException {
        validate();
        Corpus corpus = text == null ? bundledCorpus() : Corpus.read(text);
        boolean finished;
        try (TrainingRun run = resume
                ? TrainingRun.resume(checkpoint, corpus, spec.commandLine().getOut(), threads)
                : TrainingRun.start(settings(), corpus, spec.commandLine().getOut())) {
            long total = epochs == null ? iterations : Math.multiplyExact((long) epochs, run.chunksPerEpoch());
            finished = run.trainUntil(total, sampleEvery, checkpointEvery, checkpoint);
        }
        if (plot != null) {
            LossHistory.plot(LossHistory.fileBeside(checkpoint), plot);
        }
        return finished ? 0 : 130;
    }

    private TrainingSettings settings() {
        return new TrainingSettings(hidden, layers, seqLength, batchSize, Optimizer.Kind.parse(optimizer), learningRate,
                learningRateDecay, clip, valFraction, seed, threads);
    }

    private void validate() {
        Options.atLeast(spec, "--hidden", hidden, 1);
        Options.atLeast(spec, "--layers", layers, 1);
        Options.atLeast(spec, "--seq-length", seqLength, 1);
        Options.atLeast(spec, "--batch-size", batchSize, 1);
        Options.atLeast(spec, "--iterations", iterations, 1);
        Options.atLeast(spec, "--sample-every", sampleEvery, 1);
        Options.atLeast(spec, "--checkpoint-every", checkpointEvery, 1);
        Options.atLeast(spec, "--threads", threads, 1);
        if (epochs != null) {
            Options.atLeast(spec, "--epochs", epochs, 1);
        }
        Options.within(spec, "--lr", learningRate, 0, false, 10, true);
        Options.within(spec, "--lr-decay", learningRateDecay, 0, false, 1, true);
        Options.within(spec, "--clip", clip, 0, true, Float.MAX_VALUE, true);
        Options.within(spec, "--val-fraction", valFraction, 0, true, 0.5, true);
        try {
            Optimizer.Kind.parse(optimizer);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--optimizer: " + e.getMessage());
        }
        if (resume && force) {
            throw new ParameterException(spec.commandLine(), "--resume and --force contradict each other; choose one");
        }
        if (resume && !Files.exists(checkpoint)) {
            throw new ParameterException(spec.commandLine(), "--resume: " + checkpoint + " does not exist");
        }
        if (!resume && !force && Files.exists(checkpoint)) {
            throw new ParameterException(spec.commandLine(), checkpoint + " already exists; pass --resume to continue "
                    + "it, --force to replace it, or --checkpoint to save elsewhere");
        }
    }

    static Corpus bundledCorpus() throws IOException {
        try (InputStream in = TrainCommand.class.getResourceAsStream(BUNDLED_CORPUS)) {
            if (in == null) {
                throw new IOException("the bundled corpus " + BUNDLED_CORPUS + " is missing from the jar");
            }
            return Corpus.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
