/**
 * Gatelane's recurrent models (LSTM, GRU) on the CPU: the models and their passes ({@code model}), text and
 * batching ({@code text}), training and its loop ({@code train}), sampling and scoring ({@code infer}),
 * checkpoints ({@code io}) and gradient checking with the seed article's layout ({@code check}).
 */
module org.gatelane.core {
    requires transitive org.gatelane.kernels;

    exports org.gatelane.core.model;
    exports org.gatelane.core.text;
    exports org.gatelane.core.train;
    exports org.gatelane.core.infer;
    exports org.gatelane.core.io;
    exports org.gatelane.core.check;
}
