package org.gatelane.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

import org.gatelane.core.io.Checkpoint;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.Vocabulary;
import org.gatelane.interop.Safetensors;
import org.gatelane.interop.TorchModels;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatelane import}: a PyTorch character model from a safetensors file into a Gatelane checkpoint. */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Turn a PyTorch character model (a state dict saved as safetensors) into a Gatelane model.",
                "The model is nn.LSTM, nn.GRU or nn.RNN (field rnn) + nn.Linear (field head), optionally after an nn.Embedding (field "
                        + "embed), which is folded into the first layer."})
final class ImportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "FILE.safetensors", description = "the PyTorch weights")
    Path from;

    @Option(names = "--vocab", paramLabel = "CHARS.txt",
            description = "UTF-8 text of the model's characters in code-point order, as sorted(set(text)) gives them: "
                    + "the i-th is symbol i (default: the file's gatelane.vocabulary metadata)")
    Path vocab;

    @Option(names = "--out", required = true, paramLabel = "MODEL", description = "the Gatelane model to write")
    Path out;

    @Mixin
    ModulePrefixes prefixes;

    @Option(names = "--embedding-prefix", defaultValue = "embed.",
            description = "prefix of an embedding's, if any (default: ${DEFAULT-VALUE})")
    String embeddingPrefix;

    @Option(names = "--force", description = "replace --out if it exists")
    boolean force;

    @Override
    public Integer call() throws IOException {
        Options.refuseToReplace(spec, out, force);
        Vocabulary vocabulary = vocab == null ? null : readVocabulary(vocab);
        TorchModels.Imported imported = TorchModels.importModel(Safetensors.read(from),
                new TorchModels.Names(prefixes.rnn, prefixes.head, embeddingPrefix), vocabulary);
        RecurrentModel model = imported.model();
        Checkpoint.modelOnly(model, imported.vocabulary(), Map.of("importedFrom", from.toString())).write(out);
        spec.commandLine().getOut().printf("imported %d-layer %s, H=%d, %d symbols from %s -> %s%n",
                model.shape().layers(), model.shape().cell().name(), model.shape().hiddenSize(), imported.vocabulary().size(), from, out);
        return 0;
    }

    /** The characters of a UTF-8 file, in order, without a line break at its very end. */
    private static Vocabulary readVocabulary(Path file) throws IOException {
        String text = Corpus.readText(file);
        if (text.isEmpty()) {
            throw new IllegalArgumentException("--vocab " + file + " is empty; it needs the model's characters in "
                    + "code-point order, symbol i as the i-th");
        }
        if (text.endsWith("\n") && text.indexOf('\n') != text.length() - 1) {
            text = text.substring(0, text.length() - 1);
        }
        return TorchModels.vocabularyOf(text, file.toString());
    }
}
