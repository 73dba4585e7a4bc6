/** SIMD kernels for recurrent networks (LSTM, GRU) on the JDK Vector API, each with a plain scalar twin. */
module org.gatelane.kernels {
    requires jdk.incubator.vector;
    requires java.management;
    requires jdk.management;

    exports org.gatelane.kernels;
}
