package org.gatelane.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

import org.gatelane.core.infer.Evaluation;
import org.gatelane.core.train.TrainingListener;
import org.gatelane.core.train.TrainingLoop;
import org.gatelane.core.train.TrainingSettings;

/** {@code gatelane train}'s console: the header, samples, checkpoints, rollbacks, and the progress line. */
final class ConsoleListener implements TrainingListener {

    private final PrintWriter out;
    private Progress progress;
    /** The last validated checkpoint and the best one, for the closing word when they differ. */
    private Validated last;
    private Validated best;
    private boolean stoppedEarly;

    private record Validated(long iteration, double bitsPerSymbol, Path file) {
    }

    ConsoleListener(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void started(TrainingLoop loop, long firstIteration, long lastIteration) {
        TrainingSettings settings = loop.settings();
        var texts = loop.texts();
        progress = Progress.forConsole(out, lastIteration, firstIteration - 1, loop.charsPerIteration());
        String extent = lastIteration == Long.MAX_VALUE
                ? String.format(Locale.ROOT, "from iteration %d for %.0f s", firstIteration, settings.timeBudgetSeconds())
                : "iterations " + firstIteration + ".." + lastIteration;
        String restarts = settings.restartEvery() > 0 ? "streams restart every " + settings.restartEvery() + " chunks"
                : "streams restart at epochs";
        out.printf("training %d-layer %s, H=%d, %d symbols, %d chars for training, %d for validation; "
                        + "kernels %s; %s; %s; %s%n", settings.layers(), settings.cell().name(), settings.hidden(),
                texts.training().vocabulary().size(), texts.trainEnd(), texts.validates() ? texts.validationLength() : 0,
                loop.kernelsName(), restarts, dropout(settings, loop.chunksPerEpoch()), extent);
    }

    /**
     * The run's dropout as a user reads it: when a late one begins, in iterations as the progress counts them (one
     * after the 0-based step the trainer is given).
     */
    private static String dropout(TrainingSettings settings, long chunksPerEpoch) {
        if (settings.dropout() == 0) {
            return "no dropout";
        }
        if (settings.dropoutAfter() == 0) {
            return "dropout " + settings.dropout();
        }
        long firstIteration = settings.batching(1, chunksPerEpoch).dropoutFrom() + 1;
        return "dropout " + settings.dropout() + " from iteration " + firstIteration
                + " (after " + settings.dropoutAfter() + (settings.dropoutAfter() == 1 ? " pass" : " passes") + ")";
    }

    @Override
    public void iterated(long iteration, float loss, double smoothedLoss, double trainedSeconds) {
        progress.update(iteration, smoothedLoss);
    }

    @Override
    public void sampled(long iteration, double smoothedLoss, String text) {
        progress.println(String.format("iter %d | loss %.4f | %s%n----%n%s%n----", iteration, smoothedLoss,
                progress.speed(), text));
    }

    @Override
    public void checkpointed(long iteration, Evaluation score, Path file, Path bestFile) {
        String validation = score == null ? "" : String.format(" | validation %.3f bits/char, perplexity %.2f",
                score.bitsPerSymbol(), score.perplexity());
        progress.println(String.format("checkpoint iter %d%s -> %s%s", iteration, validation, file,
                bestFile != null ? " (best so far, also " + bestFile.getFileName() + ")" : ""));
        if (score != null) {
            last = new Validated(iteration, score.bitsPerSymbol(), file);
            if (bestFile != null) {
                best = new Validated(iteration, score.bitsPerSymbol(), bestFile);
            }
        }
    }

    @Override
    public void rolledBack(long iteration, String reason, double rate, int rollback, int maxRollbacks) {
        progress.println(String.format(Locale.ROOT, "iter %d | %s; rolled back to the last validation, learning "
                + "rate now %.3g (rollback %d of %d)", iteration, reason, rate, rollback, maxRollbacks));
    }

    @Override
    public void stoppedEarly(long iteration, int patience, Path bestFile) {
        progress.println("early stop: no improvement in " + patience + " validations; the best model is " + bestFile);
        stoppedEarly = true;
    }

    @Override
    public void timeSpent(long iteration, double seconds) {
        progress.println(String.format(Locale.ROOT, "time budget of %.0f s spent at iteration %d", seconds, iteration));
    }

    @Override
    public void interrupted(long iteration, Path file) {
        progress.println("interrupted at iteration " + iteration + "; saved " + file + ", resume with --resume");
    }

    @Override
    public void finished(long iteration) {
        progress.finish();
        // A run that ends past its best (overfitting, or a late excursion; see bench/results/quality-spikes.md)
        // says which file holds the better model: the checkpoint holds the last, to resume from.
        if (!stoppedEarly && best != null && last.iteration() != best.iteration()) {
            out.printf(Locale.ROOT, "the best model is %s (iteration %d, validation %.3f bits/char); %s holds the "
                    + "last (%.3f)%n", best.file(), best.iteration(), best.bitsPerSymbol(), last.file(),
                    last.bitsPerSymbol());
        }
    }
}
