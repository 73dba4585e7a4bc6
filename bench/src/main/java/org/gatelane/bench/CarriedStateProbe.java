package org.gatelane.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

import org.gatelane.core.io.Checkpoint;
import org.gatelane.core.io.RunState;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.model.Rng;
import org.gatelane.core.model.SequencePass;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.TextBatches;
import org.gatelane.core.train.TrainingSettings;
import org.gatelane.core.train.TrainingTexts;
import org.gatelane.kernels.Kernels;

/**
 * Whether a training run's model needs the state its training carried: the mean loss of the chunks that follow a
 * checkpoint's data cursor, starting once from the carried state the checkpoint saved and once from zeros (where
 * {@code gatelane eval} and {@code sample} start), each without dropout and with the run's dropout. A model whose
 * two starts differ by much more than the first chunks' missing context has learnt a state that a zero start does
 * not reach (bench/results/quality-spikes.md, "The third two-layer seed").
 *
 * <p>Usage: {@code CarriedStateProbe CHECKPOINT TRAINING_TEXT [CHUNKS]} (default 20 chunks); the checkpoint must
 * hold a run (not an exported model), and the text must be the run's training text.
 */
public final class CarriedStateProbe {

    private CarriedStateProbe() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: CarriedStateProbe CHECKPOINT TRAINING_TEXT [CHUNKS]");
            System.exit(2);
        }
        Checkpoint saved = Checkpoint.read(Path.of(args[0]));
        if (saved.run() == null) {
            System.err.println(args[0] + " holds a model without a run: no carried state to probe");
            System.exit(2);
        }
        Corpus text = Corpus.read(Path.of(args[1]), saved.vocabulary());
        int chunks = args.length == 3 ? Integer.parseInt(args[2]) : 20;
        TrainingSettings settings = TrainingSettings.fromOptions(saved.settings());
        // The run's training range: all of the text with a validation text of its own, else the head it kept.
        int trainEnd = settings.valText().isEmpty() ? TrainingTexts.heldOut(text, settings.valFraction()).trainEnd()
                : text.length();
        RunState run = saved.run();
        System.out.printf(Locale.ROOT, "%s: iteration %d, cursor %d of epoch %d; mean loss of the next %d chunks "
                + "in nats:%n", args[0], run.iteration(), run.dataCursor(), run.epoch(), chunks);
        for (float dropout : new float[] {0f, settings.dropout()}) {
            for (boolean carried : new boolean[] {true, false}) {
                double loss = meanLoss(saved.model(), text, trainEnd, settings.seqLength(), settings.batchSize(),
                        dropout, run, carried ? run.carriedState() : null, chunks);
                System.out.printf(Locale.ROOT, "  from %-19s %s: %.3f%n", carried ? "the carried state," : "zeros,",
                        dropout > 0 ? "dropout " + dropout : "no dropout", loss);
            }
            if (settings.dropout() == 0) {
                break;
            }
        }
    }

    /** The mean loss of {@code chunks} chunks from the run's cursor, from {@code start} (null: zeros). */
    private static double meanLoss(RecurrentModel model, Corpus text, int trainEnd, int steps, int streams,
                                   float dropout, RunState run, RecurrentState start, int chunks) {
        TextBatches batches = new TextBatches(text, 0, trainEnd, steps, streams);
        batches.restore(run.dataCursor(), run.epoch());
        SequencePass pass = new SequencePass(model, Kernels.preferred(), steps, streams, dropout);
        Rng masks = new Rng(run.dropoutRngState());
        RecurrentState state = RecurrentState.zeros(model.shape(), streams);
        if (start != null) {
            state.copyFrom(start);
        }
        int[] inputs = new int[steps * streams];
        int[] targets = new int[steps * streams];
        double sum = 0;
        for (int k = 0; k < chunks; k++) {
            batches.next(inputs, targets);
            pass.drawDropoutMasks(masks);
            sum += pass.loss(inputs, targets, state, state);
        }
        return sum / chunks;
    }
}
