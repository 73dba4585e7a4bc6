package org.gatelane.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.gatelane.core.io.Checkpoint;
import org.gatelane.core.model.Cell;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.TextBatches;
import org.gatelane.core.text.Vocabulary;
import org.gatelane.core.train.LossHistory;
import org.gatelane.core.train.Optimizer;
import org.gatelane.core.train.TrainingLoop;
import org.gatelane.core.train.TrainingSchedule;
import org.gatelane.core.train.TrainingSettings;
import org.gatelane.core.train.TrainingTexts;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code gatelane train}: the char-rnn job, with checkpoints, validation and exact resume. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a character-level LSTM, GRU or RNN language model on a UTF-8 text.",
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

    @Option(names = "--layers", defaultValue = "1", description = "stacked layers (default: ${DEFAULT-VALUE})")
    int layers;

    @Option(names = "--cell", defaultValue = "lstm", paramLabel = "CELL", completionCandidates = Choices.Cells.class,
            description = "the recurrent cell, with PyTorch's equations: ${COMPLETION-CANDIDATES} (default: "
                    + "${DEFAULT-VALUE})")
    Cell cell;

    @Option(names = "--seq-length", defaultValue = "25",
            description = "characters per truncated-BPTT chunk (default: ${DEFAULT-VALUE})")
    int seqLength;

    @Option(names = "--batch-size", defaultValue = "1",
            description = "parallel streams through the text (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--stream-groups", paramLabel = "N",
            description = "groups the streams are cut into, each with its own workspace; threads share the groups, "
                    + "so a resume gives the same results with any --threads, and more threads than groups idle "
                    + "(default: the smaller of --batch-size and --threads; one group is fastest on one thread)")
    Integer streamGroups;

    @Option(names = "--optimizer", defaultValue = "adam", paramLabel = "KIND",
            completionCandidates = Choices.Optimizers.class,
            description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    Optimizer.Kind optimizer;

    @Option(names = "--lr", defaultValue = "0.002", description = "learning rate (default: ${DEFAULT-VALUE})")
    float learningRate;

    @Option(names = "--lr-schedule", paramLabel = "KIND", completionCandidates = Choices.Schedules.class,
            description = "one of ${COMPLETION-CANDIDATES}. step: x --lr-decay every epoch; cosine, linear: down to 0 "
                    + "at the last iteration; cooldown: constant, then linear to 0 over the last fifth; plateau: "
                    + "x --lr-decay after --patience validations without improvement "
                    + "(default: step if --lr-decay is below 1, else cooldown with --time, else constant)")
    TrainingSchedule.Kind lrSchedule;

    @Option(names = "--lr-decay", defaultValue = "1.0",
            description = "the factor of the step and plateau schedules (default: ${DEFAULT-VALUE})")
    float learningRateDecay;

    @Option(names = "--cosine-steps", paramLabel = "N",
            description = "iterations the cosine, linear and cooldown schedules run over (default: the run's "
                    + "length when it starts)")
    Long cosineSteps;

    @Option(names = "--warmup", defaultValue = "0", paramLabel = "N",
            description = "raise the learning rate linearly over the first N iterations (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--patience", defaultValue = "3", paramLabel = "K",
            description = "validations without improvement before a plateau decay (default: ${DEFAULT-VALUE})")
    int patience;

    @Option(names = "--early-stop", defaultValue = "0", paramLabel = "K",
            description = "stop after K validations without improvement; the .best model is the result; 0 never "
                    + "(default: ${DEFAULT-VALUE})")
    int earlyStop;

    @Option(names = "--clip", defaultValue = "5.0",
            description = "clip the global gradient norm to this; 0 turns clipping off (default: ${DEFAULT-VALUE})")
    float clip;

    @Option(names = "--dropout", defaultValue = "0", paramLabel = "P",
            description = "dropout rate on every layer's output (between layers and before the head), as PyTorch "
                    + "(default: ${DEFAULT-VALUE})")
    float dropout;

    @Option(names = "--dropout-after", defaultValue = "0", paramLabel = "PASSES",
            description = "begin --dropout only once this many passes over the training text are done, so that a "
                    + "run stops learning its text by heart late and costs a short run nothing (default: "
                    + "${DEFAULT-VALUE}, from the first step)")
    int dropoutAfter;

    @Option(names = "--restart-every", paramLabel = "N", defaultValue = "" + TrainingSettings.DEFAULT_RESTART_EVERY,
            description = "each stream's carried state starts again from zeros every N chunks, the streams staggered, "
                    + "so the model learns to start from the zero state that sampling and eval start from; 0 only "
                    + "at each epoch, as char-rnn (default: ${DEFAULT-VALUE})")
    int restartEvery;

    @Option(names = "--forget-bias", paramLabel = "B",
            description = "char-rnn's initialisation: gate biases 0, the forget gate's B (default: PyTorch's "
                    + "initialisation, which learns faster on real text)")
    Float forgetBias;

    @Option(names = "--init-from", paramLabel = "MODEL",
            description = "fine-tune: start from this model's weights and vocabulary, with a fresh optimizer")
    Path initFrom;

    @Option(names = "--unknown", defaultValue = "error", paramLabel = "POLICY",
            completionCandidates = Choices.UnknownPolicies.class,
            description = "characters of --text or --val-text outside the vocabulary of --init-from, or of "
                    + "--val-text outside the training text's: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    Corpus.Unknown unknown;

    @Option(names = "--on-nonfinite", defaultValue = "rollback", paramLabel = "POLICY",
            completionCandidates = Choices.NonFinitePolicies.class,
            description = "a NaN or infinite loss or gradient: ${COMPLETION-CANDIDATES}; stop, or roll back to the "
                    + "last validation with half the learning rate (at most 3 times in a row) (default: "
                    + "${DEFAULT-VALUE})")
    TrainingSettings.NonFinitePolicy onNonFinite;

    @Option(names = "--iterations", defaultValue = "15000",
            description = "total training iterations, counting those before a resume (default: ${DEFAULT-VALUE})")
    long iterations;

    @Option(names = "--time", paramLabel = "DURATION",
            description = "train for this long, start-up included (90s, 10m, 2h), then validate and save; "
                    + "--lr-schedule cosine, linear or cooldown (the default) then descends to its end. With "
                    + "--iterations too, whichever comes first")
    String timeText;

    /** --time, read by validate(). */
    private Duration time;

    @Option(names = "--epochs", description = "train for this many passes over the text instead of --iterations")
    Integer epochs;

    @Option(names = "--val-fraction", defaultValue = "0.1",
            description = "share of the text's tail held out for validation; 0 for none (default: ${DEFAULT-VALUE})")
    double valFraction;

    @Option(names = "--val-text", paramLabel = "FILE",
            description = "validate on this UTF-8 text instead of a tail of --text")
    Path valText;

    @Option(names = "--sample-every", defaultValue = "100",
            description = "print loss and a sample every N iterations (default: ${DEFAULT-VALUE})")
    int sampleEvery;

    @Option(names = "--log-every", defaultValue = "100",
            description = "record the training loss in the history every N iterations (default: ${DEFAULT-VALUE})")
    int logEvery;

    @Option(names = "--checkpoint", defaultValue = "model.gatelane", paramLabel = "FILE",
            description = "where to save the model (default: ${DEFAULT-VALUE}); the best-validation model goes "
                    + "beside it with .best, the loss history with .csv")
    Path checkpoint;

    @Option(names = "--checkpoint-every", paramLabel = "N|DURATION",
            description = "save and validate every N iterations, or every DURATION of the run's clock (10m, 1h) "
                    + "(default: 1000 iterations; with --time, every 10m, so that a run of a few minutes spends its "
                    + "budget training and validates once, at its end)")
    String checkpointEveryText;

    /** What --checkpoint-every asks for, read by validate(): seconds of the run's clock, or else iterations. */
    private double checkpointSeconds;
    private int checkpointEvery;

    @Option(names = "--resume", description = {"continue the training saved in --checkpoint exactly where it stopped.",
            "Only --text, --val-text, --iterations, --epochs, --threads, --checkpoint-every, --sample-every, "
                    + "--log-every, --plot and --plot-x may differ from the saved run (the texts' paths, not their "
                    + "content: see --allow-other-data); any other option given must match it"})
    boolean resume;

    @Option(names = "--allow-other-data",
            description = "with --resume: continue on a training or validation text other than the run's own")
    boolean allowOtherData;

    @Option(names = "--force", description = "start over even if --checkpoint already exists (it is replaced)")
    boolean force;

    @Option(names = "--seed", defaultValue = "42", description = "seed of the initialisation and samples (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", defaultValue = "1",
            description = "threads per training step, used when --batch-size >= 2 (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--plot", paramLabel = "FILE", description = "draw training and validation loss into this PNG")
    Path plot;

    @Option(names = "--plot-x", defaultValue = "iteration", paramLabel = "AXIS", completionCandidates = Choices.Axes.class,
            description = "x-axis of --plot: ${COMPLETION-CANDIDATES} (time: minutes of training) (default: "
                    + "${DEFAULT-VALUE})")
    LossPlot.Axis plotX;

    @Override
    public Integer call() throws IOException {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        TrainingLoop.Outcome outcome;
        try (TrainingLoop loop = resume ? resumeRun() : startRun()) {
            long total = epochs != null ? Math.multiplyExact((long) epochs, loop.chunksPerEpoch())
                    : loop.settings().timeBudgetSeconds() > 0 && !given("--iterations") ? Long.MAX_VALUE : iterations;
            loop.countTimeFrom(Main.commandStart());
            if (loop.timeUp()) {
                throw new ParameterException(spec.commandLine(), resume
                        ? "the run in " + checkpoint + " already spent its time budget of "
                                + loop.settings().timeBudgetSeconds() + " s; give a longer --time to train further"
                        : String.format(Locale.ROOT, "start-up took %.1f s of the %s s --time; give a longer --time",
                                loop.budgetSpent(), loop.settings().timeBudgetSeconds()));
            }
            if (loop.iteration() >= total) {
                throw new ParameterException(spec.commandLine(), "the run in " + checkpoint + " already reached "
                        + "iteration " + loop.iteration() + "; give --iterations or --epochs beyond it to train further");
            }
            if (resume) {
                out.printf("resuming %s at iteration %d%n", checkpoint, loop.iteration());
            }
            Interrupt interrupt = Interrupt.install(loop::requestStop);
            try {
                outcome = loop.run(total, cadence(loop.settings()), checkpoint,
                        List.of(history(), new ConsoleListener(out)));
            } finally {
                interrupt.done();
            }
        }
        if (plot != null) {
            LossPlot.draw(LossHistory.fileBeside(checkpoint), plot, plotX);
        }
        return outcome == TrainingLoop.Outcome.INTERRUPTED ? 130 : 0;
    }

    /** The checkpoint's loss history: continued by a resume, replaced by a new run once it has saved. */
    private LossHistory history() {
        Path file = LossHistory.fileBeside(checkpoint);
        return resume ? LossHistory.appending(file) : LossHistory.replacing(file);
    }

    private TrainingLoop startRun() throws IOException {
        Checkpoint base = initFrom == null ? null : Checkpoint.read(initFrom);
        Vocabulary vocabulary = base == null ? null : base.vocabulary();
        Corpus training = text == null ? bundledCorpus(vocabulary, unknown) : Corpus.read(text, vocabulary, unknown);
        TrainingTexts texts = texts(training, valFraction, valText == null ? "" : valText.toString(), unknown);
        TrainingSettings settings = settings(base, texts);
        TrainingLoop.requireHeap(settings, training.vocabulary().size(), threads);
        RecurrentModel model = base == null ? settings.initialModel(training.vocabulary().size()) : base.model();
        return TrainingLoop.start(settings, texts, model, threads);
    }

    private TrainingLoop resumeRun() throws IOException {
        Checkpoint saved = Checkpoint.read(checkpoint);
        TrainingLoop.requireRun(checkpoint, saved);
        TrainingSettings settings = TrainingSettings.fromOptions(saved.settings());
        Corpus training = text == null ? bundledCorpus(saved.vocabulary(), unknown)
                : Corpus.read(text, saved.vocabulary(), unknown);
        String validationFile = valText != null ? valText.toString() : settings.valText();
        TrainingTexts texts = texts(training, settings.valFraction(), validationFile, unknown);
        List<String> conflicts = ResumeConflicts.of(settings, settings(saved, texts), this::given);
        if (!conflicts.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--resume continues the saved run, which differs in "
                    + String.join(", ", conflicts) + "; drop them, or start a new run with --force");
        }
        TrainingLoop.requireHeap(settings, training.vocabulary().size(), threads);
        return TrainingLoop.resume(checkpoint, saved, settings, texts, threads,
                allowOtherData ? TrainingLoop.Data.OTHER : TrainingLoop.Data.SAME);
    }

    /** The training text and the validation text: a file over the training vocabulary, or a held-out tail. */
    private static TrainingTexts texts(Corpus training, double fraction, String validationFile,
                                       Corpus.Unknown unknownPolicy) throws IOException {
        if (validationFile.isEmpty()) {
            return TrainingTexts.heldOut(training, fraction);
        }
        return TrainingTexts.separate(training, Corpus.read(Path.of(validationFile), training.vocabulary(),
                unknownPolicy), validationFile);
    }

    /**
     * The settings the command line asks for. {@code base} is the model fine-tuned from, whose shape replaces
     * --cell, --hidden and --layers, or the checkpoint being resumed.
     */
    private TrainingSettings settings(Checkpoint base, TrainingTexts texts) {
        // Resuming, the command line's own values go to the conflict check; fine-tuning, the base model's shape.
        boolean ownShape = base == null || resume;
        Cell cellType = ownShape ? cell : base.shape().cell();
        int hiddenSize = ownShape ? hidden : base.shape().hiddenSize();
        int layerCount = ownShape ? layers : base.shape().layers();
        if (!ownShape && ((given("--hidden") && hidden != hiddenSize)
                || (given("--layers") && layers != layerCount) || (given("--cell") && cell != cellType))) {
            throw new ParameterException(spec.commandLine(), "--init-from " + initFrom + " is a " + layerCount
                    + "-layer " + cellType.id() + " with H=" + hiddenSize + "; drop --cell, --hidden and --layers or "
                    + "make them match");
        }
        TrainingSchedule.Kind scheduleKind = lrSchedule != null ? lrSchedule
                : TrainingSettings.defaultSchedule(learningRateDecay, time != null);
        int groups = streamGroups != null ? streamGroups : Math.min(batchSize, threads);
        long chunks = TextBatches.chunksPerEpoch(texts.trainEnd(), seqLength, batchSize);
        long horizon = cosineSteps != null ? cosineSteps : epochs == null ? iterations : (long) epochs * chunks;
        return new TrainingSettings(cellType, hiddenSize, layerCount, seqLength, batchSize, groups, optimizer,
                scheduleKind, learningRate, learningRateDecay, warmup, patience, earlyStop, clip, dropout,
                valFraction, valText == null ? "" : valText.toString(), initFrom == null ? "" : initFrom.toString(),
                forgetBias == null ? Float.NaN : forgetBias, seed, onNonFinite, horizon,
                time == null ? 0 : time.toMillis() / 1000.0, restartEvery, dropoutAfter);
    }

    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** --checkpoint-every as given: a whole number counts iterations, anything else must be a duration. */
    private void readCheckpointEvery() {
        String text = checkpointEveryText.trim();
        if (text.matches("\\d{1,9}")) {
            checkpointEvery = Integer.parseInt(text);
            Options.atLeast(spec, "--checkpoint-every", checkpointEvery, 1);
        } else if (TimeBudget.hasTheForm(checkpointEveryText)) {
            checkpointSeconds = TimeBudget.parse(spec, "--checkpoint-every", checkpointEveryText).toMillis() / 1000.0;
        } else {
            throw new ParameterException(spec.commandLine(), "--checkpoint-every must be a whole number of "
                    + "iterations (1000) or a duration (90s, 10m, 1.5h), but was '" + checkpointEveryText + "'");
        }
    }

    /** The cadence --checkpoint-every asks for, or core's default for the run (a resumed one's settings too). */
    private TrainingLoop.Cadence cadence(TrainingSettings settings) {
        if (checkpointEveryText == null) {
            return TrainingLoop.Cadence.defaultFor(settings, sampleEvery, logEvery);
        }
        return checkpointSeconds > 0 ? TrainingLoop.Cadence.onClock(sampleEvery, logEvery, checkpointSeconds)
                : new TrainingLoop.Cadence(sampleEvery, logEvery, checkpointEvery);
    }

    private void validate() {
        Options.atLeast(spec, "--hidden", hidden, 1);
        Options.atLeast(spec, "--layers", layers, 1);
        Options.atLeast(spec, "--seq-length", seqLength, 1);
        Options.atLeast(spec, "--batch-size", batchSize, 1);
        Options.atLeast(spec, "--iterations", iterations, 1);
        Options.atLeast(spec, "--sample-every", sampleEvery, 1);
        Options.atLeast(spec, "--log-every", logEvery, 1);
        if (checkpointEveryText != null) {
            readCheckpointEvery();
        }
        Options.atLeast(spec, "--threads", threads, 1);
        Options.atLeast(spec, "--warmup", warmup, 0);
        if (cosineSteps != null) {
            Options.atLeast(spec, "--cosine-steps", cosineSteps, 1);
        }
        Options.atLeast(spec, "--patience", patience, 1);
        Options.atLeast(spec, "--early-stop", earlyStop, 0);
        Options.atLeast(spec, "--restart-every", restartEvery, 0);
        if (streamGroups != null) {
            Options.atLeast(spec, "--stream-groups", streamGroups, 1);
            if (streamGroups > batchSize) {
                throw new ParameterException(spec.commandLine(), "--stream-groups " + streamGroups
                        + " exceeds --batch-size " + batchSize + "; a group holds at least one stream");
            }
        }
        if (epochs != null) {
            Options.atLeast(spec, "--epochs", epochs, 1);
        }
        Options.within(spec, "--lr", learningRate, 0, false, 10, true);
        Options.within(spec, "--lr-decay", learningRateDecay, 0, false, 1, true);
        Options.within(spec, "--clip", clip, 0, true, Float.MAX_VALUE, true);
        Options.within(spec, "--dropout", dropout, 0, true, 1, false);
        Options.atLeast(spec, "--dropout-after", dropoutAfter, 0);
        Options.within(spec, "--val-fraction", valFraction, 0, true, 0.5, true);
        if (forgetBias != null) {
            Options.within(spec, "--forget-bias", forgetBias, -100, true, 100, true);
        }
        if (forgetBias != null && cell != Cell.LSTM) {
            throw new ParameterException(spec.commandLine(), "--forget-bias sets an LSTM's forget gate; "
                    + (cell == Cell.GRU ? "a " : "an ") + cell.id() + " has none");
        }
        if (lrSchedule == TrainingSchedule.Kind.PLATEAU && learningRateDecay == 1f) {
            throw new ParameterException(spec.commandLine(), "--lr-schedule plateau needs --lr-decay below 1 "
                    + "(the factor it applies), e.g. --lr-decay 0.5");
        }
        if (given("--val-text") && given("--val-fraction")) {
            throw new ParameterException(spec.commandLine(), "--val-text and --val-fraction both choose the "
                    + "validation text; give one");
        }
        if (resume && force) {
            throw new ParameterException(spec.commandLine(), "--resume and --force contradict each other; choose one");
        }
        if (plot != null) {
            LossPlot.requireWritable(plot);
        }
        if (timeText != null) {
            time = TimeBudget.parse(spec, "--time", timeText);
        }
        if (allowOtherData && !resume) {
            throw new ParameterException(spec.commandLine(), "--allow-other-data goes with --resume; a new run "
                    + "trains on whatever text it is given");
        }
        if (resume && initFrom != null) {
            throw new ParameterException(spec.commandLine(), "--resume continues a run and --init-from starts one; "
                    + "choose one");
        }
        if (resume && !Files.exists(checkpoint)) {
            throw new ParameterException(spec.commandLine(), "--resume: " + checkpoint + " does not exist");
        }
        if (!resume && !force && Files.exists(checkpoint)) {
            throw new ParameterException(spec.commandLine(), checkpoint + " already exists; pass --resume to continue "
                    + "it, --force to replace it, or --checkpoint to save elsewhere");
        }
    }

    /** The bundled text, over {@code vocabulary} when fine-tuning or resuming, or its own. */
    static Corpus bundledCorpus(Vocabulary vocabulary, Corpus.Unknown unknownPolicy) throws IOException {
        try (InputStream in = TrainCommand.class.getResourceAsStream(BUNDLED_CORPUS)) {
            if (in == null) {
                throw new IOException("the bundled corpus " + BUNDLED_CORPUS + " is missing from the jar");
            }
            return Corpus.of(new String(in.readAllBytes(), StandardCharsets.UTF_8), vocabulary, unknownPolicy);
        }
    }
}
