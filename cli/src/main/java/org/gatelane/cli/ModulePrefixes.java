package org.gatelane.cli;

import picocli.CommandLine.Option;

/** Where the recurrent module's and the output layer's tensors live in a PyTorch state dict: shared by import and export. */
final class ModulePrefixes {

    @Option(names = "--rnn-prefix", defaultValue = "rnn.", description = "prefix of the nn.LSTM, nn.GRU or nn.RNN tensors (default: ${DEFAULT-VALUE})")
    String rnn;

    @Option(names = "--head-prefix", defaultValue = "head.", description = "prefix of the output layer's (default: ${DEFAULT-VALUE})")
    String head;
}
