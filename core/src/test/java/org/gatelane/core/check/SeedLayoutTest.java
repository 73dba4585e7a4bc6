package org.gatelane.core.check;

import static org.gatelane.testing.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.SplittableRandom;

import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RandomModels;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.testing.PropertyCases;

import org.junit.jupiter.api.Test;

/**
 * The seed-layout interface against an independent double-precision implementation of the seed's equations,
 * written here from the formulas (not from Gatelane's code): loss, final state, and every gradient by central
 * differences of that implementation.
 */
class SeedLayoutTest {

    @Test
    void exportThenImportIsExact() {
        RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(7, 5, 1), 42);
        RecurrentModel back = SeedLayout.importModel(SeedLayout.export(model));
        assertArrayEquals(model.parameters(), back.parameters());
        assertEquals(model.shape(), back.shape());
    }

    @Test
    void lossStateAndGradientsMatchAnIndependentImplementation() {
        PropertyCases.check("seed-layout-gradients", 25, random -> {
            int hidden = 1 + random.nextInt(9), vocabulary = 2 + random.nextInt(9);
            int streams = 1 + random.nextInt(3), steps = 1 + random.nextInt(8);
            RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(vocabulary, hidden, 1), random.nextLong());
            Map<String, float[][]> seed = SeedLayout.export(model);
            int[][] inputs = symbols(random, streams, steps, vocabulary);
            int[][] targets = symbols(random, streams, steps, vocabulary);
            float[][] h0 = values(random, streams, hidden), c0 = values(random, streams, hidden);
            boolean vector = random.nextBoolean();
            SeedLayout.Result result = SeedLayout.lossAndGradients(model,
                    vector ? RandomModels.VECTOR : RandomModels.SCALAR, inputs, targets, h0, c0);

            Reference reference = new Reference(seed, h0, c0, inputs, targets);
            assertClose("loss", reference.loss(), result.loss(), 1e-5, 1e-5);
            for (int b = 0; b < streams; b++) {
                for (int j = 0; j < hidden; j++) {
                    assertClose("h[" + b + "][" + j + "]", reference.finalH[b][j], result.h()[b][j], 1e-5, 1e-4);
                    assertClose("c[" + b + "][" + j + "]", reference.finalC[b][j], result.c()[b][j], 1e-5, 1e-4);
                }
            }
            Map<String, float[][]> all = new java.util.LinkedHashMap<>(seed);
            all.put("h0", h0);
            all.put("c0", c0);
            for (Map.Entry<String, float[][]> entry : all.entrySet()) {
                float[][] values = entry.getValue();
                float[][] gradient = result.gradients().get(entry.getKey());
                assertEquals(values.length, gradient.length, entry.getKey() + " rows");
                for (int probe = 0; probe < 6; probe++) {
                    int r = random.nextInt(values.length), col = random.nextInt(values[r].length);
                    float saved = values[r][col];
                    double step = 1e-3;
                    values[r][col] = (float) (saved + step);
                    double plus = new Reference(seed, h0, c0, inputs, targets).loss();
                    values[r][col] = (float) (saved - step);
                    double minus = new Reference(seed, h0, c0, inputs, targets).loss();
                    values[r][col] = saved;
                    double numeric = (plus - minus) / (values[r][col] + step - (values[r][col] - step));
                    assertClose(entry.getKey() + "[" + r + "][" + col + "]", numeric, gradient[r][col], 2e-5, 2e-3);
                }
            }
        });
    }

    @Test
    void rejectsWrongShapesByName() {
        Map<String, float[][]> seed = SeedLayout.export(RecurrentModel.initialized(ModelShape.characterModel(4, 3, 1), 1));
        seed.put("Wc", new float[6][3]);
        assertEquals("Wc must be [7 x 3] but has 6 rows",
                assertThrows(IllegalArgumentException.class, () -> SeedLayout.importModel(seed)).getMessage());
        seed.remove("Wo");
        assertThrows(IllegalArgumentException.class, () -> SeedLayout.importModel(seed));
        assertThrows(IllegalArgumentException.class,
                () -> SeedLayout.export(RecurrentModel.initialized(ModelShape.characterModel(4, 3, 2), 1)));
    }

    private static int[][] symbols(SplittableRandom random, int rows, int cols, int classes) {
        int[][] out = new int[rows][cols];
        for (int[] row : out) {
            for (int i = 0; i < cols; i++) {
                row[i] = random.nextInt(classes);
            }
        }
        return out;
    }

    private static float[][] values(SplittableRandom random, int rows, int cols) {
        float[][] out = new float[rows][cols];
        for (float[] row : out) {
            for (int i = 0; i < cols; i++) {
                row[i] = (float) random.nextDouble(-1, 1);
            }
        }
        return out;
    }

    /** The seed's forward pass in double precision, straight from the equations. */
    private static final class Reference {
        private final double loss;
        final double[][] finalH;
        final double[][] finalC;

        Reference(Map<String, float[][]> p, float[][] h0, float[][] c0, int[][] inputs, int[][] targets) {
            int streams = inputs.length, steps = inputs[0].length, hidden = h0[0].length, v = p.get("by")[0].length;
            double total = 0;
            finalH = new double[streams][];
            finalC = new double[streams][];
            for (int b = 0; b < streams; b++) {
                double[] h = toDouble(h0[b]), c = toDouble(c0[b]);
                for (int t = 0; t < steps; t++) {
                    double[] f = gate(p, "Wf", "bf", h, inputs[b][t], hidden, true);
                    double[] i = gate(p, "Wi", "bi", h, inputs[b][t], hidden, true);
                    double[] g = gate(p, "Wc", "bc", h, inputs[b][t], hidden, false);
                    double[] o = gate(p, "Wo", "bo", h, inputs[b][t], hidden, true);
                    double[] nextH = new double[hidden];
                    for (int j = 0; j < hidden; j++) {
                        c[j] = f[j] * c[j] + i[j] * g[j];
                        nextH[j] = o[j] * Math.tanh(c[j]);
                    }
                    h = nextH;
                    double[] y = new double[v];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int k = 0; k < v; k++) {
                        y[k] = p.get("by")[0][k];
                        for (int j = 0; j < hidden; j++) {
                            y[k] += h[j] * p.get("Wy")[j][k];
                        }
                        max = Math.max(max, y[k]);
                    }
                    double sum = 0;
                    for (int k = 0; k < v; k++) {
                        sum += Math.exp(y[k] - max);
                    }
                    total += max + Math.log(sum) - y[targets[b][t]];
                }
                finalH[b] = h;
                finalC[b] = c;
            }
            loss = total / (streams * steps);
        }

        double loss() {
            return loss;
        }

        private static double[] gate(Map<String, float[][]> p, String w, String bias, double[] h, int x, int hidden,
                                     boolean sigmoid) {
            double[] out = new double[hidden];
            for (int j = 0; j < hidden; j++) {
                double z = p.get(bias)[0][j] + p.get(w)[hidden + x][j];
                for (int r = 0; r < hidden; r++) {
                    z += h[r] * p.get(w)[r][j];
                }
                out[j] = sigmoid ? 1 / (1 + Math.exp(-z)) : Math.tanh(z);
            }
            return out;
        }

        private static double[] toDouble(float[] values) {
            double[] out = new double[values.length];
            for (int i = 0; i < values.length; i++) {
                out[i] = values[i];
            }
            return out;
        }
    }
}
