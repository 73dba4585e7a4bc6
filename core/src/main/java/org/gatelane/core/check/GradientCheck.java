package org.gatelane.core.check;

import java.util.Arrays;
import java.util.Objects;

import org.gatelane.core.model.ParameterLayout;
import org.gatelane.core.model.Rng;

/**
 * Compares an analytic gradient with central finite differences, usable from any test framework: along random
 * unit directions (which exercise every coordinate at once) and per coordinate (which localise an error).
 *
 * <p>The relative error of one comparison is {@code |numeric - analytic| / max(|numeric|, |analytic|, floor)};
 * the floor keeps near-zero derivatives from turning float noise into large relative errors.
 */
public final class GradientCheck {

    /** A scalar loss of a parameter vector; evaluated at perturbed copies of the parameters, in place. */
    @FunctionalInterface
    public interface Loss {
        double at(float[] parameters);
    }

    /** One comparison: what was probed, the two derivatives and their relative error. */
    public record Comparison(String probe, double numeric, double analytic, double relativeError) {
    }

    /**
     * The outcome of a check.
     *
     * @param worst the comparison with the largest relative error
     * @param count how many comparisons were made
     */
    public record Report(Comparison worst, int count) {

        public double maxRelativeError() {
            return worst.relativeError();
        }

        /** Throws {@link AssertionError} naming the worst comparison if its error exceeds {@code tolerance}. */
        public Report assertWithin(double tolerance) {
            if (!(worst.relativeError() <= tolerance)) {
                throw new AssertionError("gradient check failed: " + worst.probe() + " numeric " + worst.numeric()
                        + " vs analytic " + worst.analytic() + ", relative error " + worst.relativeError()
                        + " > " + tolerance + " (worst of " + count + ")");
            }
            return this;
        }
    }

    private final Loss loss;
    private final double step;
    private final double floor;

    /**
     * @param loss  the loss; it may read the parameter array it is given but must not keep it
     * @param step  the finite-difference step {@code ε} (for float32 losses, around 1e-2 to 1e-3)
     * @param floor the denominator floor of the relative error
     */
    public GradientCheck(Loss loss, double step, double floor) {
        this.loss = Objects.requireNonNull(loss, "loss");
        if (!(step > 0) || !(floor > 0)) {
            throw new IllegalArgumentException("step and floor must be positive but were " + step + ", " + floor);
        }
        this.step = step;
        this.floor = floor;
    }

    /**
     * Checks {@code directions} random unit directions and {@code coordinates} random single coordinates.
     *
     * @param parameters the point; restored before this method returns
     * @param gradient   the analytic gradient at that point
     */
    public Report check(float[] parameters, float[] gradient, int directions, int coordinates, long seed) {
        return check(parameters, gradient, directions, coordinates, 0, parameters.length, seed);
    }

    /**
     * As {@link #check(float[], float[], int, int, long)}, drawing the single coordinates from
     * {@code [from, to)} only, to focus on one named parameter block of a {@link ParameterLayout}.
     */
    public Report check(float[] parameters, float[] gradient, int directions, int coordinates, int from, int to,
                        long seed) {
        if (from < 0 || to > parameters.length || (coordinates > 0 && from >= to)) {
            throw new IllegalArgumentException("coordinate range [" + from + ", " + to + ") is not inside [0, "
                    + parameters.length + ")");
        }
        if (parameters.length != gradient.length) {
            throw new IllegalArgumentException("gradient has " + gradient.length + " values for "
                    + parameters.length + " parameters");
        }
        Rng rng = new Rng(seed);
        float[] point = parameters.clone();
        Comparison worst = null;
        int count = 0;
        double[] direction = new double[parameters.length];
        for (int d = 0; d < directions; d++) {
            double norm = 0;
            for (int i = 0; i < direction.length; i++) {
                direction[i] = gaussian(rng);
                norm += direction[i] * direction[i];
            }
            norm = Math.sqrt(norm);
            double analytic = 0;
            for (int i = 0; i < direction.length; i++) {
                direction[i] /= norm;
                analytic += direction[i] * gradient[i];
            }
            worst = worse(worst, compare("direction " + d, derivativeAlong(point, parameters, direction), analytic));
            count++;
        }
        for (int c = 0; c < coordinates; c++) {
            int i = from + rng.nextInt(to - from);
            Arrays.fill(direction, 0);
            direction[i] = 1;
            worst = worse(worst, compare("coordinate " + i, derivativeAlong(point, parameters, direction), gradient[i]));
            count++;
        }
        if (worst == null) {
            throw new IllegalArgumentException("nothing to check: directions and coordinates are both zero");
        }
        return new Report(worst, count);
    }

    /** (L(p + εd) - L(p - εd)) / 2ε, evaluating on {@code point} and restoring it from {@code origin}. */
    private double derivativeAlong(float[] point, float[] origin, double[] direction) {
        for (int i = 0; i < point.length; i++) {
            point[i] = (float) (origin[i] + step * direction[i]);
        }
        double plus = loss.at(point);
        for (int i = 0; i < point.length; i++) {
            point[i] = (float) (origin[i] - step * direction[i]);
        }
        double minus = loss.at(point);
        System.arraycopy(origin, 0, point, 0, point.length);
        return (plus - minus) / (2 * step);
    }

    private Comparison compare(String probe, double numeric, double analytic) {
        double scale = Math.max(floor, Math.max(Math.abs(numeric), Math.abs(analytic)));
        return new Comparison(probe, numeric, analytic, Math.abs(numeric - analytic) / scale);
    }

    private static Comparison worse(Comparison a, Comparison b) {
        return a == null || b.relativeError() > a.relativeError() ? b : a;
    }

    private static double gaussian(Rng rng) {
        double u = 1 - rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextDouble());
    }
}
