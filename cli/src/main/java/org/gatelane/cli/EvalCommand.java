package org.gatelane.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.gatelane.core.infer.Evaluation;
import org.gatelane.core.io.Checkpoint;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.text.Corpus;
import org.gatelane.kernels.Kernels;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatelane eval}: how well a saved model predicts a text. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Print a saved model's bits per character and perplexity on a UTF-8 text.")
final class EvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Option(names = "--text", required = true, paramLabel = "FILE", description = "the UTF-8 text to score")
    Path text;

    @Option(names = "--seq-length", defaultValue = "100", description = "characters per pass (default: ${DEFAULT-VALUE})")
    int seqLength;

    @Override
    public Integer call() throws IOException {
        Options.atLeast(spec, "--seq-length", seqLength, 1);
        Checkpoint saved = Checkpoint.read(model.file);
        Corpus corpus = Corpus.read(text, saved.vocabulary());
        Evaluation score = Evaluation.of(new RecurrentModel(saved.shape(), saved.parameters()), Kernels.preferred(), corpus,
                0, corpus.length(), seqLength);
        spec.commandLine().getOut().printf("%s on %s: %.4f bits/char, perplexity %.3f, %d characters scored%n", model.file,
                text, score.bitsPerSymbol(), score.perplexity(), score.symbols());
        return 0;
    }
}
