package org.gatelane.spark;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

import org.gatelane.core.infer.Evaluation;
import org.gatelane.core.train.TrainingListener;
import org.gatelane.core.train.TrainingLoop;

/** The driver's log: one line per logged iteration, validation and checkpoint, as a cluster's log wants them. */
final class PrintedProgress implements TrainingListener {

    private final PrintStream out;
    private int charsPerIteration;

    PrintedProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void started(TrainingLoop loop, long firstIteration, long lastIteration) {
        charsPerIteration = loop.charsPerIteration();
        var settings = loop.settings();
        out.printf(Locale.ROOT, "training %d-layer %s, H=%d, %d streams in %d groups, kernels %s; iterations %d..%s%n",
                settings.layers(), settings.cell().id(), settings.hidden(), settings.batchSize(),
                settings.streamGroups(), loop.kernelsName(), firstIteration,
                lastIteration == Long.MAX_VALUE ? "(time budget)" : Long.toString(lastIteration));
    }

    @Override
    public void logged(long iteration, float loss, double smoothedLoss, double trainedSeconds) {
        out.printf(Locale.ROOT, "%d | loss %.4f | %.0f chars/s%n", iteration, smoothedLoss,
                iteration * (double) charsPerIteration / Math.max(trainedSeconds, 1e-9));
    }

    @Override
    public void validated(long iteration, double trainedSeconds, Evaluation score, boolean best) {
        out.printf(Locale.ROOT, "%d: %.4f bits/char%s%n", iteration, score.bitsPerSymbol(), best ? " (best)" : "");
    }

    @Override
    public void checkpointed(long iteration, Evaluation score, Path file, Path bestFile) {
        out.printf("%d: saved %s%n", iteration, file);
    }

    @Override
    public void rolledBack(long iteration, String reason, double rate, int rollback, int maxRollbacks) {
        out.printf(Locale.ROOT, "%d: %s; back to the last validation at rate %.3g (%d of %d)%n", iteration, reason,
                rate, rollback, maxRollbacks);
    }

    @Override
    public void finished(long iteration) {
        out.printf("finished at iteration %d%n", iteration);
    }
}
