package org.gatelane.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.gatelane.core.infer.Evaluation;
import org.gatelane.core.infer.Sampler;
import org.gatelane.core.model.Cell;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.ParameterLayout;
import org.gatelane.core.model.RandomModels;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.model.Rng;
import org.gatelane.core.model.SequencePass;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.CorpusException;
import org.gatelane.core.text.TextBatches;
import org.gatelane.core.text.Vocabulary;
import org.gatelane.kernels.RecurrentKernels;
import org.gatelane.testing.PropertyCases;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The library's small contracts, each against its definition: char-rnn's batching position by position, the
 * state helpers, the optimizers' first step from the textbook, what every public entry point refuses and how it
 * names the culprit, and what the trainer's accessors and close promise.
 */
class ContractsTest {

    private static final RecurrentKernels KERNELS = RandomModels.VECTOR;

    /** 26 letters: symbol i is the letter 'a' + i, so a symbol's value is its position in the text. */
    private static final Corpus ALPHABET = Corpus.of("abcdefghijklmnopqrstuvwxyz");

    @Test
    void batchesCutTheRangeIntoContiguousStreamsAndWrapAtTheEpoch() {
        // [1, 25) in 3 streams of 8 symbols, 3 steps per chunk: stream b starts at 1 + 8b.
        TextBatches batches = new TextBatches(ALPHABET, 1, 25, 3, 3);
        assertEquals(2, batches.chunksPerEpoch(), "(8 - 1) / 3 chunks fit a stream of 8");
        assertEquals(2, TextBatches.chunksPerEpoch(24, 3, 3));
        assertEquals(0, TextBatches.chunksPerEpoch(5, 3, 3), "too short for one chunk");
        int[] inputs = new int[9];
        int[] targets = new int[9];
        for (int chunk = 0; chunk < 5; chunk++) {
            boolean startsEpoch = batches.next(inputs, targets);
            int cursor = 3 * (chunk % 2);
            assertEquals(cursor == 0, startsEpoch, "chunk " + chunk);
            assertEquals(chunk / 2, batches.epoch(), "chunk " + chunk);
            assertEquals(cursor + 3, batches.cursor());
            for (int t = 0; t < 3; t++) {
                for (int b = 0; b < 3; b++) {
                    int at = 1 + 8 * b + cursor + t;
                    assertEquals(at, inputs[t * 3 + b], "chunk " + chunk + " t " + t + " b " + b);
                    assertEquals(at + 1, targets[t * 3 + b], "chunk " + chunk + " t " + t + " b " + b);
                }
            }
        }
    }

    /**
     * With restarts every n chunks, each stream restarts at its epoch's first chunk and then once in every n chunks,
     * at its own offset, so that no chunk restarts many more streams than another; a restored position restarts
     * the same streams as the run that saved it; with n = 0, streams restart at epochs alone.
     */
    @Test
    void batchesRestartEachStreamOnceEveryIntervalStaggeredAndTheSameAfterARestore() {
        Corpus text = Corpus.of("abcdefghij".repeat(200));
        PropertyCases.check("batches-restarts", 60, random -> {
            int steps = 1 + random.nextInt(4);
            int streams = 1 + random.nextInt(9);
            int every = random.nextInt(12);
            TextBatches batches = new TextBatches(text, 0, text.length(), steps, streams, every);
            int epochChunks = batches.chunksPerEpoch();
            int chunks = 2 * epochChunks + 3;
            boolean[][] restarts = new boolean[chunks][streams];
            int[] inputs = new int[steps * streams];
            int[] targets = new int[steps * streams];
            int savedCursor = 0;
            long savedEpoch = 0;
            int resumeAt = random.nextInt(chunks);
            for (int k = 0; k < chunks; k++) {
                if (k == resumeAt) {
                    savedCursor = batches.cursor();
                    savedEpoch = batches.epoch();
                }
                batches.next(inputs, targets);
                batches.restarts(restarts[k]);
            }
            for (int b = 0; b < streams; b++) {
                int last = -1;
                for (int k = 0; k < chunks; k++) {
                    int inEpoch = k % epochChunks;
                    if (inEpoch == 0) {
                        assertTrue(restarts[k][b], "an epoch's first chunk restarts stream " + b);
                        last = k;
                    } else if (restarts[k][b]) {
                        assertTrue(every > 0, "no restarts inside an epoch with n = 0, chunk " + k);
                        assertTrue(last < 0 || k - last == every || last % epochChunks == 0 && k - last <= every,
                                "stream " + b + " restarted at " + last + " and again at " + k + " with n = " + every);
                        last = k;
                    } else if (every > 0 && last >= 0 && inEpoch >= every) {
                        assertTrue(k - last < every, "stream " + b + " went " + (k - last) + " chunks without a "
                                + "restart, n = " + every);
                    }
                }
            }
            if (every > 0 && streams >= every) {
                for (int k = 1; k < Math.min(chunks, epochChunks); k++) {
                    int count = 0;
                    for (boolean r : restarts[k]) {
                        count += r ? 1 : 0;
                    }
                    assertTrue(count >= streams / every && count <= (streams + every - 1) / every,
                            "chunk " + k + " restarts " + count + " of " + streams + " streams with n = " + every);
                }
            }
            TextBatches resumed = new TextBatches(text, 0, text.length(), steps, streams, every);
            resumed.restore(savedCursor, savedEpoch);
            boolean[] afterRestore = new boolean[streams];
            for (int k = resumeAt; k < chunks; k++) {
                resumed.next(inputs, targets);
                resumed.restarts(afterRestore);
                for (int b = 0; b < streams; b++) {
                    assertEquals(restarts[k][b], afterRestore[b], "chunk " + k + " stream " + b + " after a restore");
                }
            }
        });
        assertThrows(IllegalArgumentException.class, () -> new TextBatches(text, 0, text.length(), 2, 2, -1));
    }

    @Test
    void batchesNeedOneChunkPerStreamAndRestoreOnlyInsideAStream() {
        assertEquals(12, TextBatches.minimumLength(3, 3));
        new TextBatches(ALPHABET, 0, 12, 3, 3); // streams of exactly steps + 1
        CorpusException tooShort = assertThrows(CorpusException.class, () -> new TextBatches(ALPHABET, 0, 11, 3, 3));
        assertTrue(tooShort.getMessage().contains("has 11 characters") && tooShort.getMessage().contains("at least 12"),
                tooShort.getMessage());

        TextBatches batches = new TextBatches(ALPHABET, 1, 25, 3, 3);
        assertThrows(IllegalArgumentException.class, () -> batches.restore(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> batches.restore(9, 0));
        batches.restore(8, 4);
        assertTrue(batches.next(new int[9], new int[9]), "a cursor at the stream's end starts the next epoch");
        assertEquals(5, batches.epoch());
    }

    @Test
    void stateHelpersCopyAndClearEveryLayerAndRefuseOtherShapes() {
        RecurrentState a = filled(2, 3, 4, 1f);
        RecurrentState b = filled(2, 3, 4, 100f);
        b.copyFrom(a);
        for (int l = 0; l < 2; l++) {
            assertArrayEquals(a.h(l), b.h(l));
            assertArrayEquals(a.c(l), b.c(l));
            assertNotSame(a.h(l), b.h(l));
        }
        IllegalArgumentException differ = assertThrows(IllegalArgumentException.class,
                () -> b.copyFrom(new RecurrentState(2, 2, 4)));
        assertTrue(differ.getMessage().contains("2 layers x 3 streams x H=4"), differ.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.copyFrom(new RecurrentState(1, 3, 4)));
        assertThrows(IllegalArgumentException.class, () -> b.copyFrom(new RecurrentState(2, 3, 5)));

        RecurrentState target = filled(2, 2, 4, -1f);
        RecurrentState.copyStreams(a, 1, target, 0, 2); // reaches the source's last stream exactly
        for (int l = 0; l < 2; l++) {
            assertArrayEquals(Arrays.copyOfRange(a.h(l), 4, 12), target.h(l));
            assertArrayEquals(Arrays.copyOfRange(a.c(l), 4, 12), target.c(l));
        }
        assertThrows(IllegalArgumentException.class, () -> RecurrentState.copyStreams(a, 2, target, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> RecurrentState.copyStreams(a, 0, target, 1, 2));

        RecurrentState some = filled(2, 3, 4, 1f);
        some.reset(new boolean[] {false, true, false}); // stream 1 alone, of each layer and of h and c
        for (int l = 0; l < 2; l++) {
            float[] expectedH = a.h(l).clone();
            float[] expectedC = a.c(l).clone();
            Arrays.fill(expectedH, 4, 8, 0f);
            Arrays.fill(expectedC, 4, 8, 0f);
            assertArrayEquals(expectedH, some.h(l));
            assertArrayEquals(expectedC, some.c(l));
        }
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> some.reset(new boolean[2]));
        assertEquals("a reset names each of the 3 streams but had 2 entries", count.getMessage());

        a.reset();
        for (int l = 0; l < 2; l++) {
            assertArrayEquals(new float[12], a.h(l));
            assertArrayEquals(new float[12], a.c(l));
        }
        assertThrows(IllegalArgumentException.class, () -> new RecurrentState(0, 1, 1));
    }

    /** Every value distinct: layer, kind and index can all be told apart after a copy. */
    private static RecurrentState filled(int layers, int streams, int hidden, float base) {
        RecurrentState state = new RecurrentState(layers, streams, hidden);
        for (int l = 0; l < layers; l++) {
            for (int i = 0; i < streams * hidden; i++) {
                state.h(l)[i] = base + 100 * l + i;
                state.c(l)[i] = -(base + 100 * l + i);
            }
        }
        return state;
    }

    /** The first step of each optimizer, from its textbook definition (the state starts at zero). */
    @ParameterizedTest
    @EnumSource(Optimizer.Kind.class)
    void eachOptimizersFirstStepIsTheTextbooks(Optimizer.Kind kind) {
        Optimizer.Settings s = Optimizer.Settings.defaults();
        Optimizer optimizer = new Optimizer(kind, s, KERNELS, 3);
        float[] p = {1f, -2f, 0.5f};
        float[] g = {0.3f, -0.1f, 2f};
        float lr = 0.01f;
        optimizer.update(p, g, lr);
        assertEquals(1, optimizer.step());
        float[] start = {1f, -2f, 0.5f};
        for (int i = 0; i < 3; i++) {
            double expected = switch (kind) {
                case SGD -> start[i] - lr * g[i];
                case RMSPROP -> start[i] - lr * g[i] / (Math.sqrt((1 - s.decay()) * g[i] * g[i]) + s.epsilon());
                case ADAM -> start[i] - lr * g[i] / (Math.abs(g[i]) + s.epsilon());
                case ADAMW -> start[i] * (1 - lr * s.weightDecay()) - lr * g[i] / (Math.abs(g[i]) + s.epsilon());
            };
            assertEquals(expected, p[i], 1e-6, kind + " parameter " + i);
        }
        assertEquals(kind, optimizer.kind());
        assertSame(s, optimizer.settings());
        assertThrows(IllegalArgumentException.class, () -> optimizer.update(new float[4], new float[4], lr));
    }

    /**
     * A bias that stands for PyTorch's {@code b_ih + b_hh} moves as the sum of the two copies would, each updated
     * with the same gradient: checked against two explicit copies over several steps, for every optimizer.
     */
    @ParameterizedTest
    @EnumSource(Optimizer.Kind.class)
    void aTwinRangeStepsAsTwoCopiesOfItself(Optimizer.Kind kind) {
        Optimizer.Settings s = Optimizer.Settings.defaults();
        float[] merged = {0.5f, -0.25f, 0.75f, 1f, -1f};
        // The same model as PyTorch keeps it: parameters 1 and 2 as two copies each (b_ih = 0.6·b, b_hh = 0.4·b).
        float[] copies = {0.5f, 0.6f * -0.25f, 0.6f * 0.75f, 0.4f * -0.25f, 0.4f * 0.75f, 1f, -1f};
        Optimizer twin = new Optimizer(kind, s, KERNELS, 5);
        Optimizer plain = new Optimizer(kind, s, KERNELS, 7);
        for (int step = 0; step < 4; step++) {
            float[] g = {0.3f - step, -0.2f * step, 0.9f, 0.1f + step, -0.4f};
            twin.update(merged, g, 0.01f, new int[] {1, 3});
            plain.update(copies, new float[] {g[0], g[1], g[2], g[1], g[2], g[3], g[4]}, 0.01f);
        }
        float[] summed = {copies[0], copies[1] + copies[3], copies[2] + copies[4], copies[5], copies[6]};
        for (int i = 0; i < merged.length; i++) {
            assertEquals(summed[i], merged[i], 1e-6, kind + " parameter " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> twin.update(merged, new float[5], 0.01f, new int[] {3, 2}));
        assertThrows(IllegalArgumentException.class, () -> twin.update(merged, new float[5], 0.01f, new int[] {4, 6}));
    }

    @Test
    void twinBiasesAreTheMergedBlocksOfEveryLayer() {
        ParameterLayout lstm = new ParameterLayout(ModelShape.characterModel(5, 3, 2));
        assertArrayEquals(new int[] {lstm.gateBias(0), lstm.gateBias(0) + 12, lstm.gateBias(1), lstm.gateBias(1) + 12},
                lstm.twinBiases());
        ParameterLayout gru = new ParameterLayout(ModelShape.characterModel(5, 3, 2).withCell(Cell.GRU));
        assertArrayEquals(new int[] {gru.gateBias(0), gru.gateBias(0) + 6, gru.gateBias(1), gru.gateBias(1) + 6},
                gru.twinBiases(), "r and z only: b_in and b_hn are single PyTorch biases");
    }

    @Test
    void anOptimizerRestoresACopyAndRefusesAnotherOptimizersState() {
        Optimizer adam = new Optimizer(Optimizer.Kind.ADAM, Optimizer.Settings.defaults(), KERNELS, 2);
        float[][] saved = {{1f, 2f}, {3f, 4f}};
        adam.restore(saved, 7);
        assertEquals(7, adam.step());
        assertArrayEquals(saved[1], adam.state()[1]);
        saved[0][0] = 99f;
        assertEquals(1f, adam.state()[0][0], "restore copies");
        assertThrows(IllegalArgumentException.class, () -> adam.restore(new float[][] {{1f, 2f}}, 1));
        assertThrows(IllegalArgumentException.class, () -> adam.restore(new float[][] {{1f, 2f}, {3f}}, 1));
        assertEquals(Optimizer.Kind.RMSPROP, Optimizer.Kind.parse("RMSprop"));
        assertEquals(1, Optimizer.Kind.SGD.stateArrays());
        assertEquals(2, Optimizer.Kind.ADAMW.stateArrays());
    }

    @Test
    void aPassRefusesEveryMisshapenArgumentByName() {
        ModelShape shape = ModelShape.characterModel(5, 3, 2);
        SequencePass bptt = new SequencePass(RecurrentModel.initialized(shape, 1), KERNELS, 2, 2);
        assertEquals(2, bptt.streams());
        assertEquals(0f, bptt.dropout());
        int[] good = {0, 1, 2, 4};
        RecurrentState state = RecurrentState.zeros(shape, 2);
        float[] gradients = new float[shape.parameterCount()];
        refuses("symbols must hold 4", () -> bptt.loss(new int[3], good, state, null));
        refuses("symbols[2] is 5", () -> bptt.loss(new int[] {0, 1, 5, 0}, good, state, null));
        refuses("symbols[0] is -1", () -> bptt.loss(new int[] {-1, 1, 2, 0}, good, state, null));
        refuses("targets must hold 4", () -> bptt.loss(good, new int[5], state, null));
        refuses("targets[3] is 5", () -> bptt.loss(good, new int[] {0, 0, 0, 5}, state, null));
        refuses("initial must be 2 layers x 2 streams", () -> bptt.loss(good, good, RecurrentState.zeros(shape, 1), null));
        refuses("last must be", () -> bptt.loss(good, good, state, new RecurrentState(1, 2, 3)));
        refuses("gradients must hold " + shape.parameterCount(),
                () -> bptt.lossAndGradients(good, good, state, null, new float[1], null));
        refuses("initialGradients must be",
                () -> bptt.lossAndGradients(good, good, state, null, gradients, new RecurrentState(2, 2, 4)));
        refuses("takes symbol indices", () -> bptt.loss(new float[20], good, state, null));

        ModelShape dense = new ModelShape(4, 3, 1, 5, false);
        SequencePass densePass = new SequencePass(RecurrentModel.initialized(dense, 1), KERNELS, 2, 2);
        refuses("takes dense input vectors", () -> densePass.loss(good, good, RecurrentState.zeros(dense, 2), null));
        refuses("vectors must hold 16", () -> densePass.loss(new float[15], good, RecurrentState.zeros(dense, 2), null));
        refuses("steps and streams must be at least 1", () -> new SequencePass(RecurrentModel.initialized(shape, 1), KERNELS, 0, 1));
        refuses("dropout rate must be in [0, 1)",
                () -> new SequencePass(RecurrentModel.initialized(shape, 1), KERNELS, 1, 1, 1f));
    }

    private static void refuses(String message, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(message), "expected '" + message + "' in: " + e.getMessage());
    }

    @Test
    void aSamplerRefusesTheWrongInputAndResetsToTheFirstStep() {
        RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(6, 4, 2), 3);
        Sampler sampler = new Sampler(model, KERNELS);
        float[] first = sampler.feed(2).clone();
        sampler.feed(4);
        assertFalse(Arrays.equals(new float[4], sampler.state().h(1)), "the state moved");
        sampler.reset();
        assertArrayEquals(new float[4], sampler.state().h(1));
        assertArrayEquals(first, sampler.feed(2), "after a reset the same symbol gives the first logits");
        refuses("symbol 6 is outside [0, 6)", () -> sampler.feed(6));
        refuses("symbol -1 is outside", () -> sampler.feed(-1));
        refuses("takes symbols, not vectors", () -> sampler.feed(new float[6]));
        Sampler dense = new Sampler(RecurrentModel.initialized(new ModelShape(3, 4, 1, 5, false), 1), KERNELS);
        refuses("must hold 3 values but holds 2", () -> dense.feed(new float[2]));
        refuses("takes input vectors of 3 values", () -> dense.feed(1));
        refuses("need temperature >= 0", () -> sampler.draw(first, -1f, 0, 1f, new Rng(1)));
        refuses("need temperature >= 0", () -> sampler.draw(first, 1f, 0, 0f, new Rng(1)));
    }

    @Test
    void anEvaluationReportsBitsAndPerplexityAndNeedsTwoSymbols() {
        Evaluation e = new Evaluation(Math.log(4), 10);
        assertEquals(2.0, e.bitsPerSymbol(), 1e-12);
        assertEquals(4.0, e.perplexity(), 1e-12);
        RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(26, 4, 1), 1);
        assertThrows(CorpusException.class, () -> Evaluation.of(model, KERNELS, ALPHABET, 3, 4, 5));
        assertThrows(IllegalArgumentException.class, () -> Evaluation.of(model, KERNELS, ALPHABET, 0, 26, 0));
        assertThrows(IllegalArgumentException.class, () -> Evaluation.of(model, KERNELS, ALPHABET, 0, 26, 5, 0));
        assertEquals(1, Evaluation.of(model, KERNELS, ALPHABET, 3, 5, 5).symbols(), "two symbols, one prediction");
    }

    @Test
    void aTrainerGivesBackWhatItWasGivenReportsTheNormAndStopsItsThreadsOnClose() throws Exception {
        ModelShape shape = ModelShape.characterModel(26, 6, 1);
        RecurrentModel model = RecurrentModel.initialized(shape, 5);
        RecurrentModel reference = new RecurrentModel(shape, model.parameters().clone());
        Optimizer optimizer = new Optimizer(Optimizer.Kind.SGD, Optimizer.Settings.defaults(), KERNELS,
                shape.parameterCount());
        Trainer.Batching batching = new Trainer.Batching(3, 4, 2, 2, 0f);
        Rng rng = new Rng(9);
        long before = trainerThreads();
        int[] inputs = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
        int[] targets = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        Trainer trainer = new Trainer(model, KERNELS, optimizer, GradientClipping.none(),
                LearningRateSchedule.constant(0.1f), batching, rng);
        assertSame(model, trainer.model());
        assertSame(optimizer, trainer.optimizer());
        assertSame(batching, trainer.batching());
        assertSame(rng, trainer.dropoutRng());
        assertEquals(before + 1, trainerThreads(), "one helper for two threads");
        assertEquals(2, trainer.localThreads(), "what a timed run's final validation estimate divides among");
        trainer.step(inputs, targets);

        float[] gradients = new float[shape.parameterCount()];
        new SequencePass(reference, KERNELS, 3, 4).lossAndGradients(inputs, targets, RecurrentState.zeros(shape, 4), null,
                gradients, null);
        // PyTorch's norm: over its parameters, in which every gate bias is two tensors, b_ih and b_hh.
        double norm = 0;
        for (int i = 0; i < gradients.length; i++) {
            boolean gateBias = i >= reference.layout().gateBias(0) && i < reference.layout().gateBias(0) + 4 * 6;
            norm += (gateBias ? 2.0 : 1.0) * gradients[i] * gradients[i];
        }
        assertEquals(Math.sqrt(norm), trainer.lastGradientNorm(), 1e-4 * Math.sqrt(norm));

        trainer.close();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (trainerThreads() > before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(before, trainerThreads(), "close ends the helper");
        assertThrows(IllegalStateException.class, () -> trainer.step(inputs, targets));
    }

    /** Live trainer helper threads in this JVM (other tests' trainers included, hence the differences above). */
    private static long trainerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("gatelane-trainer-") && t.isAlive()).count();
    }

    @Test
    void aVocabularyEncodesItsOwnSymbolsAndNamesOthers() {
        Vocabulary vocabulary = Vocabulary.of("cab");
        assertArrayEquals(new int[] {2, 0, 1}, vocabulary.encode("cab"));
        assertEquals("cab", vocabulary.decode(new int[] {2, 0, 1}, 0, 3));
        assertEquals("ab", vocabulary.decode(new int[] {2, 0, 1}, 1, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vocabulary.encode("abz"));
        assertTrue(e.getMessage().contains("'z' (U+007A)"), e.getMessage());
        assertEquals(Vocabulary.of("abc"), vocabulary);
        assertEquals(Vocabulary.of("abc").hashCode(), vocabulary.hashCode());
        assertFalse(vocabulary.equals(Vocabulary.of("abd")));
        assertThrows(IllegalArgumentException.class, () -> new Vocabulary(new int[] {'b', 'a'}));
    }
}
