package org.gatelane.core.infer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

import org.gatelane.core.model.FixedWeights;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.model.Rng;
import org.gatelane.core.model.SequencePass;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.Vocabulary;
import org.gatelane.kernels.RecurrentKernels;

/**
 * Text for many streams at once from one character model: every {@link #step()} advances all active streams by
 * one character with one product per layer for all of them (a GEMM over the streams instead of one GEMV each),
 * which reads the weights once per step however many streams there are. Streams join with their own prime,
 * length, temperature, top-k, top-p, seed and stop strings, and leave when done or cancelled, between steps.
 *
 * <p>Each stream's text is exactly what a lone {@link Sampler} draws with the same seed and settings (and what
 * {@code gatelane sample} prints after the prime): a row of the kernels' products is the same bit for bit alone
 * or among many, a prime goes through the same pass as one chunk, and every stream draws with its own generator.
 *
 * <p>The model must not change while a generator uses it: the recurrent weights are packed for the batched products
 * once. Not thread-safe: one thread joins, steps and cancels (a server's generation loop); listeners are called on
 * it.
 */
public final class BatchedGenerator {

    /**
     * What one stream asks for.
     *
     * @param prime       text to continue; empty to start from a character drawn uniformly
     * @param length      characters to generate after the prime, the first drawn character included
     * @param temperature divides the logits; 0 is greedy
     * @param topK        keep the {@code topK} most likely characters; 0 keeps all
     * @param topP        keep the most likely characters up to this probability; 1 keeps all
     * @param seed        the seed of the stream's own generator
     * @param stops       strings that end the stream once its generated text ends with one (included in it)
     * @param unknown     prime characters outside the vocabulary: refused, or skipped
     */
    public record Request(String prime, int length, float temperature, int topK, float topP, long seed,
                          List<String> stops, Corpus.Unknown unknown) {

        public Request {
            Objects.requireNonNull(prime, "prime");
            stops = List.copyOf(stops);
            Objects.requireNonNull(unknown, "unknown");
            if (length < 0 || !(temperature >= 0) || topK < 0 || !(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("need length >= 0, temperature >= 0, topK >= 0 and topP in (0, 1] "
                        + "but got " + length + ", " + temperature + ", " + topK + ", " + topP);
            }
            for (String stop : stops) {
                if (stop.isEmpty()) {
                    throw new IllegalArgumentException("a stop string must not be empty");
                }
            }
        }

        /** {@code length} characters after {@code prime} with plain sampling: temperature 1, all candidates. */
        public static Request of(String prime, int length, long seed) {
            return new Request(prime, length, 1f, 0, 1f, seed, List.of(), Corpus.Unknown.ERROR);
        }
    }

    /** Why a stream ended. */
    public enum End {
        /** It generated its length. */
        LENGTH,
        /** Its text ended with one of its stop strings. */
        STOP,
        /** {@link Stream#cancel()} was called. */
        CANCELLED
    }

    /** What a stream produces, as it does; called on the stepping thread. */
    @FunctionalInterface
    public interface Listener {
        /** The next piece of text: one character. */
        void text(String piece);

        /** The stream ended; nothing follows. Nothing to do by default. */
        default void ended(End end) {
        }
    }

    /** One stream of text: its request, its own state and generator. */
    public final class Stream {
        private final Request request;
        private final Listener listener;
        private final Rng rng;
        /** The state after the prime, until the stream's first pass; from then on it lives in {@link #row}. */
        private final RecurrentState state;
        /** The stream's row in the batch state of the pass that fed it last, or -1 before its first pass. */
        private int row = -1;
        private final float[] logits;
        private final StringBuilder generated = new StringBuilder();
        /** Characters in {@link #generated}, counted as they come rather than recounted at every one. */
        private int generatedCharacters;
        /** The symbol to feed at the next step, or -1 when {@link #logits} are fresh. */
        private int pending = -1;
        private boolean cancelled;
        private End end;

        private Stream(Request request, Listener listener, RecurrentState state) {
            this.request = request;
            this.listener = listener;
            this.rng = new Rng(request.seed());
            this.state = state;
            this.logits = new float[shape.outputSize()];
        }

        /** Ends the stream before the next step; a stream that has ended stays as it was. */
        public void cancel() {
            cancelled = true;
        }

        /** Whether the stream has ended, and so left the generator. */
        public boolean ended() {
            return end != null;
        }

        /** The characters generated so far (the prime not included). */
        public int generatedLength() {
            return generatedCharacters;
        }

        private void emit(int symbol) {
            String piece = Character.toString(vocabulary.codePoint(symbol));
            generated.append(piece);
            generatedCharacters++;
            listener.text(piece);
        }

        private End endAfterEmit() {
            if (generatedLength() >= request.length()) {
                return End.LENGTH;
            }
            for (String stop : request.stops()) {
                int from = generated.length() - stop.length();
                if (from >= 0 && generated.indexOf(stop, from) == from) {
                    return End.STOP;
                }
            }
            return null;
        }

        private void finish(End why) {
            end = why;
            listener.ended(why);
        }
    }

    /** Steps of one prime pass at most, and its positions (steps times streams) at most. */
    private static final int PRIME_STEPS = 256;
    private static final int PRIME_POSITIONS = 2048;

    private final ModelShape shape;
    private final Vocabulary vocabulary;
    private final int maxStreams;
    private final SymbolDraw draw;
    /** The weights every pass multiplies by, prepared once for the steps and for every prime. */
    private final FixedWeights fixedWeights;
    private final List<Stream> active = new ArrayList<>();
    /** One pass per power-of-two count of streams (and maxStreams), made when first needed. */
    private final SequencePass[] passes;
    private final RecurrentState[] states;
    private final int[][] symbols;
    /** The index of the pass whose state holds the streams' rows, -1 before the first pass. */
    private int rowsAt = -1;

    /**
     * @param maxStreams the most streams that may be active at once
     * @throws IllegalArgumentException if the model takes vectors rather than characters, its vocabulary is not
     *                                  {@code vocabulary}'s size, or {@code maxStreams < 1}
     */
    public BatchedGenerator(RecurrentModel model, Vocabulary vocabulary, RecurrentKernels kernels, int maxStreams) {
        this.shape = model.shape();
        this.vocabulary = vocabulary;
        Objects.requireNonNull(kernels, "kernels");
        if (!shape.oneHotInput() || vocabulary.size() != shape.inputSize()) {
            throw new IllegalArgumentException("a batched generator needs a character model over its vocabulary; "
                    + "this model takes " + (shape.oneHotInput() ? shape.inputSize() + " symbols" : "vectors")
                    + " and the vocabulary has " + vocabulary.size());
        }
        if (maxStreams < 1) {
            throw new IllegalArgumentException("maxStreams must be at least 1 but was " + maxStreams);
        }
        this.maxStreams = maxStreams;
        this.draw = new SymbolDraw(shape.outputSize(), kernels);
        this.fixedWeights = new FixedWeights(model, kernels);
        int sizes = 33 - Integer.numberOfLeadingZeros(maxStreams - 1);
        this.passes = new SequencePass[sizes];
        this.states = new RecurrentState[sizes];
        this.symbols = new int[sizes][];
    }

    /** Streams active now. */
    public int active() {
        return active.size();
    }

    /** The most streams that may be active at once. */
    public int maxStreams() {
        return maxStreams;
    }

    /**
     * A request whose prime has gone through the model: the state after it and the logits of what comes next
     * (none without a prime). Made by {@link #prime}, on any thread.
     */
    public final class Primed {
        private final Request request;
        private final RecurrentState state;
        private final float[] logits;

        private Primed(Request request, RecurrentState state, float[] logits) {
            this.request = request;
            this.state = state;
            this.logits = logits;
        }

        /** The state after the prime; for tests. */
        RecurrentState state() {
            return state;
        }

        /** The logits of what follows the prime, null without one; for tests. */
        float[] logits() {
            return logits;
        }
    }

    /**
     * Feeds {@code request}'s prime through the model as one pass. It reads only the model, so any thread may
     * call it, also while another steps: a server primes off the stepping thread, which only
     * {@linkplain #join(Primed, Listener) joins}.
     *
     * @throws IllegalArgumentException if the prime has characters outside the vocabulary and the request refuses
     *                                  them, naming them
     */
    public Primed prime(Request request) {
        return prime(List.of(request)).getFirst();
    }

    /**
     * Feeds the primes of many requests through the model together, in the order of the list: the streams go
     * through each pass side by side, so the products are GEMMs over them rather than one GEMV each, and the
     * weights are read once per step for all of them. Each result is the one {@link #prime(Request)} gives alone,
     * bit for bit. Any thread may call it, as {@link #prime(Request)}.
     *
     * @throws IllegalArgumentException if a prime has characters outside the vocabulary and its request refuses
     *                                  them, naming them; no prime is fed then
     */
    public List<Primed> prime(List<Request> requests) {
        int[][] primes = new int[requests.size()][];
        RecurrentState[] states = new RecurrentState[primes.length];
        List<Integer> feeding = new ArrayList<>();
        for (int i = 0; i < primes.length; i++) {
            primes[i] = primeSymbols(requests.get(i));
            states[i] = RecurrentState.zeros(shape, 1);
            if (primes[i].length > 0 && requests.get(i).length() > 0) {
                feeding.add(i);
            }
        }
        float[][] logits = new float[primes.length][];
        feeding.sort(Comparator.comparingInt(i -> primes[i].length));
        feedTogether(feeding, primes, states, logits);
        List<Primed> primed = new ArrayList<>(primes.length);
        for (int i = 0; i < primes.length; i++) {
            primed.add(new Primed(requests.get(i), states[i], logits[i]));
        }
        return primed;
    }

    /**
     * Feeds the primes of {@code group} (shortest first) side by side, a pass at a time, each pass as long as the
     * shortest prime left allows; a stream whose prime has ended leaves with its state and the logits of its last
     * character. Passes are split at step boundaries only, with the state carried, so the arithmetic of every
     * stream is the same as in one pass of its own.
     */
    private void feedTogether(List<Integer> group, int[][] primes, RecurrentState[] states, float[][] logits) {
        int v = shape.outputSize();
        for (int fed = 0; !group.isEmpty(); ) {
            int streams = group.size();
            // A pass's workspace grows with its positions: a long prompt, or many at once, go in several passes.
            int steps = Math.min(primes[group.getFirst()].length - fed,
                    Math.clamp(PRIME_POSITIONS / streams, 1, PRIME_STEPS));
            RecurrentState batch = RecurrentState.zeros(shape, streams);
            int[] input = new int[steps * streams];
            for (int b = 0; b < streams; b++) {
                RecurrentState.copyStreams(states[group.get(b)], 0, batch, b, 1);
                for (int t = 0; t < steps; t++) {
                    input[t * streams + b] = primes[group.get(b)][fed + t];
                }
            }
            float[] out = SequencePass.forFixedWeights(fixedWeights, steps, streams).logits(input, null, batch);
            fed += steps;
            for (int b = 0; b < streams; b++) {
                RecurrentState.copyStreams(batch, b, states[group.get(b)], 0, 1);
                if (primes[group.get(b)].length == fed) {
                    int last = (steps - 1) * streams + b;
                    logits[group.get(b)] = Arrays.copyOfRange(out, last * v, (last + 1) * v);
                }
            }
            while (!group.isEmpty() && primes[group.getFirst()].length == fed) {
                group.removeFirst();
            }
        }
    }

    /**
     * Checks {@code request}'s prime against the vocabulary, as {@link #prime(Request)} does, without feeding it:
     * a server refuses a request this way at once, before its prime joins others in one pass.
     *
     * @throws IllegalArgumentException if the prime has characters outside the vocabulary and the request refuses
     *                                  them, naming them
     */
    public void check(Request request) {
        primeSymbols(request);
    }

    /**
     * Adds a stream: its prime goes through the model as one pass, and its first character comes with the next
     * {@link #step()}. A request for no characters ends at once.
     *
     * @throws IllegalStateException    if {@link #maxStreams()} streams are active
     * @throws IllegalArgumentException if the prime has characters outside the vocabulary and the request refuses
     *                                  them, naming them
     */
    public Stream join(Request request, Listener listener) {
        return join(prime(request), listener);
    }

    /**
     * Adds a stream whose prime has been fed, at little cost to the stepping thread; its first character comes with
     * the next {@link #step()}. A request for no characters ends at once.
     *
     * @throws IllegalStateException if {@link #maxStreams()} streams are active
     */
    public Stream join(Primed primed, Listener listener) {
        if (active.size() >= maxStreams) {
            throw new IllegalStateException("all " + maxStreams + " streams are busy; join after one ends");
        }
        Request request = primed.request;
        Stream stream = new Stream(request, Objects.requireNonNull(listener, "listener"), primed.state);
        if (request.length() == 0) {
            stream.finish(End.LENGTH);
            return stream;
        }
        if (primed.logits != null) {
            System.arraycopy(primed.logits, 0, stream.logits, 0, shape.outputSize());
        } else {
            // Without a prime the first character is drawn uniformly, as gatelane sample does.
            int first = stream.rng.nextInt(vocabulary.size());
            stream.emit(first);
            End end = stream.endAfterEmit();
            if (end != null) {
                stream.finish(end);
                return stream;
            }
            stream.pending = first;
        }
        active.add(stream);
        return stream;
    }

    private int[] primeSymbols(Request request) {
        String prime = request.prime();
        if (request.unknown() == Corpus.Unknown.ERROR && !vocabulary.describeUnknown(prime).isEmpty()) {
            throw new IllegalArgumentException("the prime has characters the model never saw: "
                    + vocabulary.describeUnknown(prime));
        }
        return prime.codePoints().map(vocabulary::indexOf).filter(symbol -> symbol >= 0).toArray();
    }

    /**
     * Advances every active stream by one character: cancelled streams leave, each stream with fresh logits draws
     * and emits a character, streams that reach their length or a stop string leave, and the others are fed
     * their character in one batched pass.
     */
    public void step() {
        for (Stream stream : active) {
            if (stream.cancelled) {
                stream.finish(End.CANCELLED);
            } else if (stream.pending < 0) {
                int symbol = draw.draw(stream.logits, 0, stream.request.temperature(), stream.request.topK(),
                        stream.request.topP(), stream.rng);
                stream.emit(symbol);
                End end = stream.endAfterEmit();
                if (end != null) {
                    stream.finish(end);
                } else {
                    stream.pending = symbol;
                }
            }
        }
        active.removeIf(Stream::ended);
        if (!active.isEmpty()) {
            feedPending();
        }
    }

    /** One pass over all active streams, each fed its pending symbol, padded to the pass's count of streams. */
    private void feedPending() {
        int n = active.size();
        int size = sizeIndex(n);
        SequencePass pass = passFor(size);
        RecurrentState batch = states[size];
        int[] input = symbols[size];
        // Stream i takes row i. A stream's state stays in its row between passes and moves only when streams before
        // it have left or the pass size changed; leaving keeps the order, so rows only move down and a copy in
        // ascending order never overwrites a row still to be read. Rows past n keep whatever they last held: rows
        // do not mix, and their output is never read.
        for (int i = 0; i < n; i++) {
            Stream stream = active.get(i);
            if (stream.row < 0) {
                RecurrentState.copyStreams(stream.state, 0, batch, i, 1);
            } else if (stream.row != i || size != rowsAt) {
                RecurrentState.copyStreams(states[rowsAt], stream.row, batch, i, 1);
            }
            stream.row = i;
            input[i] = stream.pending;
        }
        rowsAt = size;
        float[] logits = pass.logits(input, null, batch);
        for (int i = 0; i < n; i++) {
            Stream stream = active.get(i);
            System.arraycopy(logits, i * shape.outputSize(), stream.logits, 0, shape.outputSize());
            stream.pending = -1;
        }
    }

    /** The index of the smallest pass that holds {@code n} streams: powers of two, and maxStreams last. */
    private int sizeIndex(int n) {
        return Math.min(32 - Integer.numberOfLeadingZeros(n - 1), passes.length - 1);
    }

    private SequencePass passFor(int size) {
        if (passes[size] == null) {
            int streams = Math.min(1 << size, maxStreams);
            passes[size] = SequencePass.forFixedWeights(fixedWeights, 1, streams);
            states[size] = RecurrentState.zeros(shape, streams);
            symbols[size] = new int[streams];
        }
        return passes[size];
    }
}
