package org.gatelane.bench;

/** Parses the {@code KxH} shape parameters of the matrix benchmarks. */
final class Shapes {

    private Shapes() {
    }

    static int depth(String shape) {
        return Integer.parseInt(shape.substring(0, shape.indexOf('x')));
    }

    static int hidden(String shape) {
        return Integer.parseInt(shape.substring(shape.indexOf('x') + 1));
    }
}
