package org.gatelane.kernels;

import static org.gatelane.testing.Close.assertClose;
import static org.gatelane.testing.PropertyCases.array;
import static org.gatelane.testing.PropertyCases.positiveSize;
import static org.gatelane.testing.PropertyCases.size;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.gatelane.testing.PropertyCases;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Both implementations against independent double-precision references written from the textbook formulas. */
class AgainstDoublePrecisionTest {

    static List<RecurrentKernels> implementations() {
        return List.of(new ScalarKernels(), new VectorKernels());
    }

    private static final int LANES = VectorConstants.LANES;

    @ParameterizedTest
    @MethodSource("implementations")
    void activationsStayWithinTheStatedBoundOverTheWholeFloatRange(RecurrentKernels kernels) {
        int n = 1 << 16;
        float[] x = new float[n];
        float[] sigmoid = new float[n];
        float[] tanh = new float[n];
        // Sweep the bit patterns of all floats (every 2^16th one, both signs), then dense near zero and saturation.
        for (int chunk = 0; chunk < 3; chunk++) {
            for (int i = 0; i < n; i++) {
                x[i] = switch (chunk) {
                    case 0 -> Float.intBitsToFloat(i << 16);
                    case 1 -> -30f + 60f * i / n;
                    default -> (i % 2 == 0 ? 1 : -1) * (15f + 10f * i / n);
                };
            }
            kernels.sigmoid(n, x, 0, sigmoid, 0);
            kernels.tanh(n, x, 0, tanh, 0);
            for (int i = 0; i < n; i++) {
                double exactSigmoid = 1.0 / (1.0 + Math.exp(-(double) x[i]));
                double exactTanh = Math.tanh(x[i]);
                assertClose(kernels.name() + " sigmoid(" + x[i] + ")", exactSigmoid, sigmoid[i],
                        RecurrentKernels.ACTIVATION_ABSOLUTE_ERROR, 0);
                assertClose(kernels.name() + " tanh(" + x[i] + ")", exactTanh, tanh[i],
                        RecurrentKernels.ACTIVATION_ABSOLUTE_ERROR, 0);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void activationsSaturateExactly(RecurrentKernels kernels) {
        float[] x = {20.5f, 100f, Float.MAX_VALUE, Float.POSITIVE_INFINITY, -120f, -Float.MAX_VALUE,
                Float.NEGATIVE_INFINITY, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f};
        float[] y = new float[x.length];
        kernels.sigmoid(7, x, 0, y, 0);
        assertEquals(1f, y[0], 1e-8f);
        assertEquals(1f, y[1]);
        assertEquals(1f, y[3]);
        for (int i : new int[] {4, 5, 6}) {
            assertTrue(y[i] >= 0f && y[i] < 1e-37f, "sigmoid(" + x[i] + ") is 0 or tiny, not negative: " + y[i]);
        }
        kernels.tanh(7, x, 0, y, 0);
        assertEquals(1f, y[0]);
        assertEquals(1f, y[3]);
        assertEquals(-1f, y[6]);
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void matrixProductsMatchANaiveDoubleLoop(RecurrentKernels kernels) {
        PropertyCases.check("gemm-vs-double-" + kernels.name(), 120, random -> {
            int form = random.nextInt(3);
            int m = random.nextInt(20), n = size(random, LANES) % 200, k = size(random, LANES) % 300;
            float[] a = array(random, m * k, 1f), b = array(random, k * n, 1f), c = new float[m * n];
            boolean transA = form == 1, transB = form == 2;
            VectorMatchesScalarTest.multiply(kernels, form, m, n, k, a, 0, transA ? m : k, b, 0, transB ? k : n,
                    c, 0, n, false);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double exact = 0;
                    for (int p = 0; p < k; p++) {
                        double aip = transA ? a[p * m + i] : a[i * k + p];
                        double bpj = transB ? b[j * k + p] : b[p * n + j];
                        exact += aip * bpj;
                    }
                    assertClose("C[" + i + "][" + j + "] form " + form, exact, c[i * n + j], 2 * (k + 1) * Math.ulp(1f), 0);
                }
            }
        });
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void gateGemvAndItsTransposeMatchANaiveDoubleLoop(RecurrentKernels kernels) {
        PropertyCases.check("gemv-vs-double-" + kernels.name(), 120, random -> {
            int k = size(random, LANES) % 400, n = size(random, LANES) % 400;
            float[] w = array(random, k * n, 1f), x = array(random, Math.max(k, n), 1f);
            float[] y = new float[n], yT = new float[k];
            kernels.gemv(k, n, x, 0, w, 0, n, y, 0, false);
            kernels.gemvTransposed(k, n, w, 0, n, x, 0, yT, 0, false);
            for (int j = 0; j < n; j++) {
                double exact = 0;
                for (int p = 0; p < k; p++) {
                    exact += (double) x[p] * w[p * n + j];
                }
                assertClose("x·W [" + j + "]", exact, y[j], 2 * (k + 1) * Math.ulp(1f), 0);
            }
            for (int r = 0; r < k; r++) {
                double exact = 0;
                for (int j = 0; j < n; j++) {
                    exact += (double) w[r * n + j] * x[j];
                }
                assertClose("W·v [" + r + "]", exact, yT[r], 2 * (n + 1) * Math.ulp(1f), 0);
            }
        });
    }

    /**
     * The GRU cell against PyTorch's equations in double precision; its gradients against central differences of
     * that double forward pass (of {@code Σ dh·h}), so the reference shares no algebra with the kernels.
     */
    @ParameterizedTest
    @MethodSource("implementations")
    void gruCellMatchesPyTorchsEquationsAndItsGradientsTheirDifferences(RecurrentKernels kernels) {
        PropertyCases.check("gru-vs-double-" + kernels.name(), 60, random -> {
            int hidden = positiveSize(random, LANES) % 70 + 1;
            float[] a = array(random, 3 * hidden, 3f), u = array(random, 3 * hidden, 3f);
            float[] bias = array(random, hidden, 1f), hPrev = array(random, hidden, 1f), dh = array(random, hidden, 1f);
            float[] gates = a.clone(), recurrent = u.clone(), h = new float[hidden];
            kernels.gruCellForward(hidden, gates, 0, recurrent, 0, bias, 0, hPrev, 0, h, 0);
            double[] exact = gru(hidden, toDouble(a), toDouble(u), bias, toDouble(hPrev));
            for (int j = 0; j < hidden; j++) {
                assertClose("h[" + j + "]", exact[j], h[j], 4 * RecurrentKernels.ACTIVATION_ABSOLUTE_ERROR, 1e-6);
            }
            float[] dGates = new float[3 * hidden], dRecurrent = new float[3 * hidden], dhPrev = new float[hidden];
            kernels.gruCellBackward(hidden, gates, 0, recurrent, 0, hPrev, 0, dh, 0, dGates, 0, dRecurrent, 0, dhPrev,
                    0);
            double[][] inputs = {toDouble(a), toDouble(u), toDouble(hPrev)};
            float[][] analytic = {dGates, dRecurrent, dhPrev};
            String[] names = {"dGates", "dRecurrent", "dhPrev (not through W_h)"};
            for (int which = 0; which < 3; which++) {
                for (int k = 0; k < analytic[which].length; k++) {
                    double saved = inputs[which][k];
                    double step = 1e-6;
                    inputs[which][k] = saved + step;
                    double up = dot(dh, gru(hidden, inputs[0], inputs[1], bias, inputs[2]));
                    inputs[which][k] = saved - step;
                    double down = dot(dh, gru(hidden, inputs[0], inputs[1], bias, inputs[2]));
                    inputs[which][k] = saved;
                    assertClose(names[which] + "[" + k + "] H=" + hidden, (up - down) / (2 * step),
                            analytic[which][k], 2e-6, 1e-5);
                }
            }
        });
    }

    /** The RNN cell against {@code tanh} in double precision, and its gradient against central differences. */
    @ParameterizedTest
    @MethodSource("implementations")
    void rnnCellMatchesTanhAndItsGradientItsDifferences(RecurrentKernels kernels) {
        PropertyCases.check("rnn-vs-double-" + kernels.name(), 60, random -> {
            int hidden = positiveSize(random, LANES) % 70 + 1;
            float[] z = array(random, hidden, 4f), dh = array(random, hidden, 1f), h = new float[hidden];
            kernels.rnnCellForward(hidden, z, 0, h, 0);
            float[] dz = new float[hidden];
            kernels.rnnCellBackward(hidden, h, 0, dh, 0, dz, 0);
            for (int j = 0; j < hidden; j++) {
                assertClose("h[" + j + "]", Math.tanh(z[j]), h[j], RecurrentKernels.ACTIVATION_ABSOLUTE_ERROR, 0);
                double step = 1e-6;
                double difference = dh[j] * (Math.tanh(z[j] + step) - Math.tanh(z[j] - step)) / (2 * step);
                assertClose("dz[" + j + "] H=" + hidden, difference, dz[j], 2e-6, 1e-5);
            }
        });
    }

    /** PyTorch's GRU step in double precision: gate blocks r, z, n of the input side {@code a} and {@code u}. */
    private static double[] gru(int hidden, double[] a, double[] u, float[] bias, double[] hPrev) {
        double[] h = new double[hidden];
        for (int j = 0; j < hidden; j++) {
            double r = 1 / (1 + Math.exp(-(a[j] + u[j])));
            double z = 1 / (1 + Math.exp(-(a[hidden + j] + u[hidden + j])));
            double n = Math.tanh(a[2 * hidden + j] + r * (u[2 * hidden + j] + bias[j]));
            h[j] = (1 - z) * n + z * hPrev[j];
        }
        return h;
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    private static double dot(float[] x, double[] y) {
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += x[i] * y[i];
        }
        return sum;
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void softmaxCrossEntropyIsStableForHugeLogits(RecurrentKernels kernels) {
        PropertyCases.check("softmax-huge-" + kernels.name(), 100, random -> {
            int n = positiveSize(random, LANES);
            float[] logits = array(random, n, 1e4f);
            int target = random.nextInt(n);
            float[] grad = new float[n];
            float loss = kernels.softmaxCrossEntropy(n, logits, 0, target, 1f, grad, 0);
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, logits[i]);
            }
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += Math.exp(logits[i] - max);
            }
            double exactLoss = max + Math.log(sum) - logits[target];
            assertTrue(Float.isFinite(loss), "finite loss");
            assertClose("loss", exactLoss, loss, 1e-3, 1e-6);
            double total = 0;
            for (int i = 0; i < n; i++) {
                double p = Math.exp(logits[i] - max) / sum;
                assertClose("dlogits[" + i + "]", p - (i == target ? 1 : 0), grad[i], 1e-6, 1e-5);
                total += grad[i] + (i == target ? 1 : 0);
            }
            assertClose("probabilities sum to 1", 1.0, total, 1e-5, 0);
        });
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void softmaxWithTemperatureFollowsTheDefinition(RecurrentKernels kernels) {
        PropertyCases.check("softmax-temperature-" + kernels.name(), 200, random -> {
            int n = positiveSize(random, LANES);
            float[] logits = array(random, n, new float[] {1f, 30f, 1e4f}[random.nextInt(3)]);
            float temperature = (float) Math.exp(random.nextDouble(Math.log(0.05), Math.log(20)));
            float[] p = new float[n];
            kernels.softmax(n, logits, 0, temperature, p, 0);
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, logits[i]);
            }
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += Math.exp((logits[i] - max) / temperature);
            }
            for (int i = 0; i < n; i++) {
                double exact = Math.exp((logits[i] - max) / temperature) / sum;
                assertClose("p[" + i + "] at temperature " + temperature, exact, p[i], 1e-6, 1e-5);
            }
        });
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void optimizersFollowTheTextbookOverSeveralSteps(RecurrentKernels kernels) {
        PropertyCases.check("optimizers-textbook-" + kernels.name(), 40, random -> {
            int n = size(random, LANES);
            float[] params = array(random, n, 1f);
            double[][] reference = new double[4][n];
            float[][] p = new float[4][];
            float[][][] state = new float[4][2][n];
            double[][][] exactState = new double[4][2][n];
            for (int kind = 0; kind < 4; kind++) {
                p[kind] = params.clone();
                for (int i = 0; i < n; i++) {
                    reference[kind][i] = params[i];
                }
            }
            double lr = 0.01, mu = 0.9, alpha = 0.95, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, decay = 0.1;
            for (int t = 1; t <= 6; t++) {
                float[] g = array(random, n, 1f);
                for (int kind = 0; kind < 4; kind++) {
                    VectorMatchesScalarTest.update(kernels, kind, n, p[kind], g, state[kind], t);
                }
                for (int i = 0; i < n; i++) {
                    double gi = g[i];
                    // SGD with momentum: v = mu·v + g; p -= lr'·v with the test's lr' = 0.1
                    double[] s = exactState[0][0];
                    s[i] = mu * s[i] + gi;
                    reference[0][i] -= 0.1 * s[i];
                    // RMSProp
                    double[] ms = exactState[1][0];
                    ms[i] = alpha * ms[i] + (1 - alpha) * gi * gi;
                    reference[1][i] -= lr * gi / (Math.sqrt(ms[i]) + eps);
                    // Adam, then AdamW (decoupled decay applied to the parameter before the step)
                    for (int kind = 2; kind < 4; kind++) {
                        double[] m = exactState[kind][0], v = exactState[kind][1];
                        if (kind == 3) {
                            reference[kind][i] *= 1 - lr * decay;
                        }
                        m[i] = beta1 * m[i] + (1 - beta1) * gi;
                        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
                        double mHat = m[i] / (1 - Math.pow(beta1, t)), vHat = v[i] / (1 - Math.pow(beta2, t));
                        reference[kind][i] -= lr * mHat / (Math.sqrt(vHat) + eps);
                    }
                }
            }
            String[] names = {"sgd", "rmsprop", "adam", "adamw"};
            for (int kind = 0; kind < 4; kind++) {
                for (int i = 0; i < n; i++) {
                    assertClose(names[kind] + "[" + i + "]", reference[kind][i], p[kind][i], 2e-6, 2e-5);
                }
            }
        });
    }
}
