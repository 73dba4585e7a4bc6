package org.gatelane.core.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.gatelane.core.model.Cell;
import org.gatelane.core.model.FixedWeights;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.model.Rng;
import org.gatelane.core.model.SequencePass;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.Vocabulary;
import org.gatelane.kernels.Kernels;
import org.gatelane.kernels.RecurrentKernels;
import org.gatelane.testing.PropertyCases;

import org.junit.jupiter.api.Test;

/** Many streams stepped together: each one's text is a lone sampler's, whoever joins or leaves around it. */
class BatchedGeneratorTest {

    private static final Vocabulary VOCABULARY = Corpus.of("the keeper winds the clock at dusk; ships count.\n")
            .vocabulary();

    /** What {@code gatelane sample} prints after the prime: a lone sampler fed one character at a time. */
    private static String alone(RecurrentModel model, RecurrentKernels kernels, BatchedGenerator.Request request) {
        Sampler sampler = new Sampler(model, kernels);
        Rng rng = new Rng(request.seed());
        float[] logits = null;
        for (int cp : request.prime().codePoints().toArray()) {
            logits = sampler.feed(VOCABULARY.indexOf(cp));
        }
        StringBuilder text = new StringBuilder();
        int symbol;
        if (request.length() == 0) {
            return "";
        }
        if (logits == null) {
            symbol = rng.nextInt(VOCABULARY.size());
            text.appendCodePoint(VOCABULARY.codePoint(symbol));
            logits = sampler.feed(symbol);
        }
        while (text.length() < request.length() && !endsWithStop(text, request.stops())) {
            symbol = sampler.draw(logits, request.temperature(), request.topK(), request.topP(), rng);
            text.appendCodePoint(VOCABULARY.codePoint(symbol));
            logits = sampler.feed(symbol);
        }
        return text.toString();
    }

    private static boolean endsWithStop(StringBuilder text, List<String> stops) {
        return stops.stream().anyMatch(stop -> text.toString().endsWith(stop));
    }

    private static BatchedGenerator.Request request(SplittableRandom random) {
        String source = "the keeper winds the clock at dusk; ships count.";
        int from = random.nextInt(source.length());
        String prime = random.nextInt(4) == 0 ? "" : source.substring(from, from + random.nextInt(source.length() - from));
        List<String> stops = random.nextInt(3) == 0 ? List.of("th", "k") : List.of();
        return new BatchedGenerator.Request(prime, random.nextInt(60), random.nextInt(5) == 0 ? 0f
                : (float) random.nextDouble(0.5, 1.5), random.nextInt(3) == 0 ? 1 + random.nextInt(10) : 0,
                random.nextInt(3) == 0 ? (float) random.nextDouble(0.3, 1) : 1f, random.nextLong(), stops,
                Corpus.Unknown.ERROR);
    }

    /** Collects a stream's text and how it ended. */
    private static final class Collected implements BatchedGenerator.Listener {
        final StringBuilder text = new StringBuilder();
        BatchedGenerator.End end;

        @Override
        public void text(String piece) {
            text.append(piece);
        }

        @Override
        public void ended(BatchedGenerator.End how) {
            assertEquals(null, end, "a stream ends once");
            end = how;
        }
    }

    @Test
    void everyStreamIsALoneSamplersWhoeverJoinsOrLeaves() {
        PropertyCases.check("batched-generation", 40, random -> {
            Cell cell = Cell.values()[random.nextInt(Cell.values().length)];
            int hidden = 4 * random.nextInt(6) + 1 + random.nextInt(3);
            ModelShape shape = ModelShape.characterModel(VOCABULARY.size(), hidden, 1 + random.nextInt(2)).withCell(cell);
            RecurrentModel model = RecurrentModel.initialized(shape, random.nextLong());
            RecurrentKernels kernels = random.nextBoolean() ? Kernels.scalar() : Kernels.vector();
            BatchedGenerator generator = new BatchedGenerator(model, VOCABULARY, kernels, 1 + random.nextInt(12));
            List<BatchedGenerator.Request> requests = new ArrayList<>();
            List<Collected> outputs = new ArrayList<>();
            List<BatchedGenerator.Stream> streams = new ArrayList<>();
            List<Boolean> cancelled = new ArrayList<>();
            for (int step = 0; step < 120; step++) {
                // Joiners between two steps have their primes fed side by side, or each alone.
                List<BatchedGenerator.Request> joining = new ArrayList<>();
                while (generator.active() + joining.size() < generator.maxStreams() && random.nextInt(3) == 0) {
                    joining.add(request(random));
                }
                List<BatchedGenerator.Primed> primed = random.nextBoolean() ? generator.prime(joining)
                        : joining.stream().map(generator::prime).toList();
                for (int j = 0; j < joining.size(); j++) {
                    Collected output = new Collected();
                    requests.add(joining.get(j));
                    outputs.add(output);
                    streams.add(generator.join(primed.get(j), output));
                    cancelled.add(false);
                }
                if (!streams.isEmpty() && random.nextInt(15) == 0) {
                    int victim = random.nextInt(streams.size());
                    if (!streams.get(victim).ended()) {
                        streams.get(victim).cancel();
                        cancelled.set(victim, true);
                    }
                }
                generator.step();
            }
            for (int i = 0; i < requests.size(); i++) {
                String expected = alone(model, kernels, requests.get(i));
                String actual = outputs.get(i).text.toString();
                String context = cell + " H=" + hidden + " " + kernels.name() + " stream " + i + " " + requests.get(i);
                if (cancelled.get(i) || !streams.get(i).ended()) {
                    assertTrue(expected.startsWith(actual), context + ": '" + actual + "' vs '" + expected + "'");
                } else {
                    assertEquals(expected, actual, context);
                    BatchedGenerator.End end = outputs.get(i).end;
                    assertEquals(actual.length() >= requests.get(i).length() ? BatchedGenerator.End.LENGTH
                            : BatchedGenerator.End.STOP, end, context);
                }
            }
        });
    }

    /**
     * Prompts longer than one prime pass, many of them fed side by side (more positions than one pass holds, so
     * in passes that end where the shortest prompt left ends): each leaves the state it leaves alone.
     */
    @Test
    void longPromptsFedTogetherInPiecesGiveTheSameTexts() {
        RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(VOCABULARY.size(), 13, 2), 11);
        String text = "the keeper winds the clock at dusk; ships count.\n".repeat(15);
        // Equal lengths from different places: streams that end in the same pass must each keep their own logits.
        int[] lengths = {600, 599, 1, 1, 0, 300, 257, 256, 256, 40, 600, 33, 512, 2, 100};
        for (RecurrentKernels kernels : new RecurrentKernels[] {Kernels.scalar(), Kernels.vector()}) {
            List<BatchedGenerator.Request> requests = new ArrayList<>();
            for (int i = 0; i < lengths.length; i++) {
                requests.add(new BatchedGenerator.Request(text.substring(3 * i, 3 * i + lengths[i]), 40, 0.9f, 0, 1f, i,
                        List.of(), Corpus.Unknown.ERROR));
            }
            BatchedGenerator generator = new BatchedGenerator(model, VOCABULARY, kernels, lengths.length);
            List<Collected> outputs = new ArrayList<>();
            List<BatchedGenerator.Primed> together = generator.prime(requests);
            for (int i = 0; i < lengths.length; i++) {
                BatchedGenerator.Primed alone = generator.prime(requests.get(i));
                String context = kernels.name() + ", a prompt of " + lengths[i];
                assertArrayEquals(alone.logits(), together.get(i).logits(), context);
                for (int layer = 0; layer < model.shape().layers(); layer++) {
                    assertArrayEquals(alone.state().h(layer), together.get(i).state().h(layer), context);
                    assertArrayEquals(alone.state().c(layer), together.get(i).state().c(layer), context);
                }
                outputs.add(new Collected());
                generator.join(together.get(i), outputs.getLast());
            }
            while (generator.active() > 0) {
                generator.step();
            }
            for (int i = 0; i < lengths.length; i++) {
                assertEquals(alone(model, kernels, requests.get(i)), outputs.get(i).text.toString(),
                        kernels.name() + ", a prompt of " + lengths[i]);
            }
        }
    }

    @Test
    void refusalsNameTheirReason() {
        RecurrentModel model = RecurrentModel.initialized(ModelShape.characterModel(VOCABULARY.size(), 8, 1), 1);
        BatchedGenerator generator = new BatchedGenerator(model, VOCABULARY, Kernels.preferred(), 1);
        generator.join(BatchedGenerator.Request.of("the", 10, 1), new Collected());
        assertEquals("all 1 streams are busy; join after one ends", assertThrows(IllegalStateException.class,
                () -> generator.join(BatchedGenerator.Request.of("", 5, 2), new Collected())).getMessage());
        BatchedGenerator other = new BatchedGenerator(model, VOCABULARY, Kernels.preferred(), 2);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> other.join(
                BatchedGenerator.Request.of("Zebra", 5, 2), new Collected())).getMessage()
                .startsWith("the prime has characters the model never saw: "));
        assertEquals(0, other.active(), "a refused request holds no stream");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> other.check(
                BatchedGenerator.Request.of("Zebra", 5, 2))).getMessage().startsWith("the prime has characters"));
        assertThrows(IllegalArgumentException.class, () -> other.prime(List.of(
                BatchedGenerator.Request.of("the", 5, 2), BatchedGenerator.Request.of("Zebra", 5, 2))));
        Collected skipped = new Collected();
        other.join(new BatchedGenerator.Request("Zthe", 3, 1f, 0, 1f, 4, List.of(), Corpus.Unknown.SKIP), skipped);
        for (int i = 0; i < 3; i++) {
            other.step();
        }
        assertEquals(BatchedGenerator.End.LENGTH, skipped.end);
        assertEquals(3, skipped.text.length());
        SequencePass fixed = SequencePass.forFixedWeights(new FixedWeights(model, Kernels.preferred()), 2, 3);
        assertEquals("a pass for fixed weights only runs forward; train with a pass of its own",
                assertThrows(IllegalStateException.class, () -> fixed.lossAndGradients(new int[6], new int[6],
                        RecurrentState.zeros(model.shape(), 3), null, new float[model.layout().size()], null))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BatchedGenerator.Request("", -1, 1f, 0, 1f, 0,
                List.of(), Corpus.Unknown.ERROR));
        assertThrows(IllegalArgumentException.class, () -> new BatchedGenerator.Request("", 1, 1f, 0, 1f, 0,
                List.of(""), Corpus.Unknown.ERROR));
    }
}
