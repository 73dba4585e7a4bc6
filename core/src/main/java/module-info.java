/** The Gatelane LSTM: model, training, sampling, text, checkpoints and gradient checking. */
module org.gatelane.core {
    requires transitive org.gatelane.kernels;

    exports org.gatelane.core;
}
