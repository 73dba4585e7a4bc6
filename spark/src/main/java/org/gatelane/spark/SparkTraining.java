package org.gatelane.spark;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

import org.gatelane.core.io.Checkpoint;
import org.gatelane.core.io.CheckpointException;
import org.gatelane.core.model.Cell;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.CorpusException;
import org.gatelane.core.train.LossHistory;
import org.gatelane.core.train.NonFiniteException;
import org.gatelane.core.train.Optimizer;
import org.gatelane.core.train.TrainingEngine;
import org.gatelane.core.train.TrainingLoop;
import org.gatelane.core.train.TrainingSchedule;
import org.gatelane.core.train.TrainingSettings;
import org.gatelane.core.train.TrainingTexts;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * The Spark job: the driver runs core's training loop; Spark's tasks compute either each step's stream groups
 * ({@link SparkGroupRunner}, exact) or K steps of each group on its own between averagings ({@link
 * ParameterAveraging}). The checkpoints are those of {@code gatelane train}, so a model trained here samples,
 * evaluates, exports and fine-tunes like any other, and {@code --resume} continues a run exactly.
 */
@Command(name = "gatelane-spark", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Trains a character model on a Spark cluster, data-parallel over stream groups, with the "
                + "checkpoints of `gatelane train`.")
public final class SparkTraining implements Callable<Integer> {

    /** The settings a resumed run keeps from its checkpoint; giving one with --resume is an error. */
    private static final List<String> RUN_SETTINGS = List.of("--cell", "--hidden", "--layers", "--seq-length",
            "--batch-size", "--stream-groups", "--optimizer", "--lr", "--lr-schedule", "--clip", "--dropout",
            "--seed", "--val-fraction", "--time", "--restart-every");

    @Spec
    CommandSpec spec;

    @Option(names = "--text", required = true, paramLabel = "PATH",
            description = "the UTF-8 training text: any path Spark reads (hdfs://, s3a://, a local file)")
    String text;

    @Option(names = "--checkpoint", required = true, paramLabel = "FILE",
            description = "the checkpoint, on the driver's file system (its .best and loss history beside it)")
    Path checkpoint;

    @Option(names = "--resume", description = "continue the run saved in --checkpoint exactly where it stopped")
    boolean resume;

    @Option(names = "--force", description = "replace an existing --checkpoint with a new run")
    boolean force;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark's master when not given by spark-submit (default: local[2])")
    String master;

    @Option(names = "--average-every", paramLabel = "K", defaultValue = "16",
            description = {"the scheme: 0 sums every step's gradients over the tasks, exactly the arithmetic of "
                    + "gatelane train with the same --stream-groups; K >= 1 lets each task train its stream group "
                    + "alone for K steps, then averages parameters and optimizer state (local SGD), which exchanges "
                    + "the model K times less often (default: ${DEFAULT-VALUE})"})
    int averageEvery;

    @Option(names = "--iterations", defaultValue = "1000",
            description = "total iterations, counting those before a resume (default: ${DEFAULT-VALUE})")
    long iterations;

    @Option(names = "--time", paramLabel = "SECONDS",
            description = "train for this many seconds of wall time instead of --iterations, start-up included")
    Double timeSeconds;

    @Option(names = "--cell", defaultValue = "lstm", description = "lstm, gru or rnn (default: ${DEFAULT-VALUE})")
    String cell;

    @Option(names = "--hidden", defaultValue = "128", description = "hidden size (default: ${DEFAULT-VALUE})")
    int hidden;

    @Option(names = "--layers", defaultValue = "1", description = "stacked layers (default: ${DEFAULT-VALUE})")
    int layers;

    @Option(names = "--seq-length", defaultValue = "100",
            description = "T, steps per chunk (default: ${DEFAULT-VALUE})")
    int seqLength;

    @Option(names = "--batch-size", defaultValue = "32", description = "B, streams (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--stream-groups", defaultValue = "2",
            description = "groups the streams are cut into, one task each (default: ${DEFAULT-VALUE})")
    int streamGroups;

    @Option(names = "--optimizer", defaultValue = "ADAM", description = "${COMPLETION-CANDIDATES} (default: adam)")
    Optimizer.Kind optimizer;

    @Option(names = "--lr", defaultValue = "2e-3", description = "learning rate (default: ${DEFAULT-VALUE})")
    float learningRate;

    @Option(names = "--lr-schedule", description = "constant, step, cosine, linear, cooldown or plateau (default: "
            + "cooldown with --time, as gatelane train's, else constant)")
    TrainingSchedule.Kind schedule;

    @Option(names = "--clip", defaultValue = "5", description = "global gradient norm bound, 0 for none "
            + "(default: ${DEFAULT-VALUE})")
    float clip;

    @Option(names = "--dropout", defaultValue = "0", description = "dropout between layers (default: ${DEFAULT-VALUE})")
    float dropout;

    @Option(names = "--restart-every", defaultValue = "" + TrainingSettings.DEFAULT_RESTART_EVERY,
            description = "chunks between each stream's restarts from zeros, as gatelane train's; 0 at epochs only "
                    + "(default: ${DEFAULT-VALUE})")
    int restartEvery;

    @Option(names = "--seed", defaultValue = "42", description = "the run's seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--val-fraction", defaultValue = "0.1",
            description = "the text's tail held out for validation (default: ${DEFAULT-VALUE})")
    double valFraction;

    @Option(names = "--log-every", defaultValue = "100", description = "(default: ${DEFAULT-VALUE})")
    int logEvery;

    @Option(names = "--checkpoint-every", paramLabel = "N",
            description = "iterations between validations and checkpoints (default: gatelane train's, 1000, or every "
                    + "10 minutes of the run's clock with --time)")
    Integer checkpointEvery;

    private final PrintStream out;

    SparkTraining(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    /** Runs the job; returns the exit code: 0 done, 1 failed, 2 bad options. */
    static int run(PrintStream out, PrintStream err, String... args) {
        CommandLine command = new CommandLine(new SparkTraining(out)).setCaseInsensitiveEnumValuesAllowed(true);
        command.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof CorpusException || e instanceof CheckpointException || e instanceof NonFiniteException
                    || e instanceof IllegalArgumentException || e instanceof IOException) {
                err.println("gatelane-spark: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        command.setParameterExceptionHandler((e, arguments) -> {
            err.println("gatelane-spark: " + e.getMessage());
            err.println("(gatelane-spark --help lists the options)");
            return 2;
        });
        command.setErr(new PrintWriter(err, true));
        return command.execute(args);
    }

    @Override
    public Integer call() throws IOException {
        Instant started = Instant.now();
        validate();
        // Read before Spark starts, so that a bad text fails in a second; Hadoop's configuration is the
        // class path's (spark-submit puts HADOOP_CONF_DIR there).
        Configuration hadoop = new Configuration();
        Checkpoint saved = resume ? Checkpoint.read(checkpoint) : null;
        Corpus training = SparkTexts.read(text, saved == null ? null : saved.vocabulary(), hadoop);
        SparkConf conf = new SparkConf().setAppName("gatelane-train");
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[2]");
        }
        if (conf.get("spark.master").startsWith("local")) {
            // One machine: the driver listens on loopback only, and no web UI is opened for the world.
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
            conf.setIfMissing("spark.ui.enabled", "false");
        }
        try (JavaSparkContext spark = new JavaSparkContext(conf)) {
            spark.setLogLevel("WARN");
            RoundTiming timing = new RoundTiming();
            TrainingEngine.Factory engine = averageEvery == 0
                    ? TrainingEngine.Factory.groups(new SparkGroupRunner(spark, Integer.MAX_VALUE, timing))
                    : ParameterAveraging.factory(spark, averageEvery, timing);
            try (TrainingLoop loop = saved != null ? resumeRun(saved, training, engine) : startRun(training, engine)) {
                loop.countTimeFrom(started);
                boolean timed = loop.settings().timeBudgetSeconds() > 0;
                long last = timed ? Long.MAX_VALUE : iterations;
                if (!timed && loop.iteration() >= last) {
                    throw new ParameterException(spec.commandLine(), "the run in " + checkpoint + " already reached "
                            + "iteration " + loop.iteration() + "; give --iterations beyond it to train further");
                }
                LossHistory history = resume ? LossHistory.appending(LossHistory.fileBeside(checkpoint))
                        : LossHistory.replacing(LossHistory.fileBeside(checkpoint));
                loop.run(last, cadence(loop.settings()), checkpoint, List.of(history, new PrintedProgress(out)));
                out.println(timing.summary());
            }
        }
        return 0;
    }

    /** The cadence --checkpoint-every asks for, or core's default for the run (a resumed one's settings too). */
    private TrainingLoop.Cadence cadence(TrainingSettings settings) {
        // The driver draws no samples, so the sample interval is never reached.
        return checkpointEvery != null ? new TrainingLoop.Cadence(Integer.MAX_VALUE, logEvery, checkpointEvery)
                : TrainingLoop.Cadence.defaultFor(settings, Integer.MAX_VALUE, logEvery);
    }

    private TrainingLoop startRun(Corpus training, TrainingEngine.Factory engine) {
        TrainingTexts texts = TrainingTexts.heldOut(training, valFraction);
        TrainingSettings.Builder settings = TrainingSettings.builder().cell(Cell.of(cell)).hidden(hidden).layers(layers)
                .seqLength(seqLength).batchSize(batchSize).streamGroups(streamGroups).optimizer(optimizer)
                .learningRate(learningRate).schedule(schedule).clip(clip).dropout(dropout).seed(seed)
                .validationFraction(valFraction).restartEvery(restartEvery);
        if (timeSeconds != null) {
            settings.timeBudget(Duration.ofMillis(Math.round(timeSeconds * 1000)));
        }
        TrainingSettings run = settings.build();
        TrainingLoop.requireHeap(run, training.vocabulary().size(), 1);
        return TrainingLoop.start(run, texts, run.initialModel(training.vocabulary().size()), engine);
    }

    private TrainingLoop resumeRun(Checkpoint saved, Corpus training, TrainingEngine.Factory engine) {
        TrainingLoop.requireRun(checkpoint, saved);
        TrainingSettings settings = TrainingSettings.fromOptions(saved.settings());
        if (!settings.valText().isEmpty()) {
            throw new CheckpointException(checkpoint + " validates on a separate text (" + settings.valText()
                    + "); resume it with gatelane train");
        }
        TrainingTexts texts = TrainingTexts.heldOut(training, settings.valFraction());
        return TrainingLoop.resume(checkpoint, saved, settings, texts, engine, TrainingLoop.Data.SAME);
    }

    private void validate() {
        if (resume) {
            for (String option : RUN_SETTINGS) {
                if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
                    throw new ParameterException(spec.commandLine(), option + " is the saved run's with --resume; "
                            + "drop it, or start a new run with --force");
                }
            }
            if (!Files.exists(checkpoint)) {
                throw new ParameterException(spec.commandLine(), "--resume: " + checkpoint + " does not exist");
            }
        } else if (!force && Files.exists(checkpoint)) {
            throw new ParameterException(spec.commandLine(), checkpoint + " already exists; pass --resume to continue "
                    + "it, --force to replace it, or --checkpoint to save elsewhere");
        }
        if (resume && force) {
            throw new ParameterException(spec.commandLine(), "--resume and --force contradict each other; choose one");
        }
        if (averageEvery < 0) {
            throw new ParameterException(spec.commandLine(), "--average-every must be 0 (a gradient sum every step) "
                    + "or a number of steps, but was " + averageEvery);
        }
        if (timeSeconds != null && !(timeSeconds > 0)) {
            throw new ParameterException(spec.commandLine(), "--time must be a positive number of seconds");
        }
        requireAnInterval("--log-every", logEvery);
        if (checkpointEvery != null) {
            requireAnInterval("--checkpoint-every", checkpointEvery);
        }
        if (restartEvery < 0) {
            throw new ParameterException(spec.commandLine(), "--restart-every must be 0 (restarts at epochs only) or "
                    + "a number of chunks, but was " + restartEvery);
        }
        if (streamGroups < 1 || streamGroups > batchSize) {
            throw new ParameterException(spec.commandLine(), "--stream-groups must be in [1, --batch-size = "
                    + batchSize + "] but was " + streamGroups);
        }
    }

    private void requireAnInterval(String option, int iterations) {
        if (iterations < 1) {
            throw new ParameterException(spec.commandLine(), option + " must be at least 1 iteration, but was "
                    + iterations);
        }
    }
}
