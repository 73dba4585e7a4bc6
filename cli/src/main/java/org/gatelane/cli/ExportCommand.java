package org.gatelane.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.gatelane.core.io.Checkpoint;
import org.gatelane.interop.TorchModels;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatelane export}: a Gatelane model as a PyTorch state dict in a safetensors file. */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a Gatelane model as a PyTorch state dict (safetensors, F32) for nn.LSTM, nn.GRU or",
                "nn.RNN (field rnn) + nn.Linear (field head) over one-hot input; the vocabulary goes into the "
                        + "metadata."})
final class ExportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Option(names = "--to", required = true, paramLabel = "FILE.safetensors", description = "the file to write")
    Path to;

    @Mixin
    ModulePrefixes prefixes;

    @Option(names = "--force", description = "replace --to if it exists")
    boolean force;

    @Override
    public Integer call() throws IOException {
        Options.refuseToReplace(spec, to, force);
        Checkpoint saved = Checkpoint.read(model.file);
        TorchModels.export(saved.model(), saved.vocabulary(), new TorchModels.Names(prefixes.rnn, prefixes.head, ""))
                .write(to);
        spec.commandLine().getOut().printf("exported %s -> %s%n", model.file, to);
        return 0;
    }
}
