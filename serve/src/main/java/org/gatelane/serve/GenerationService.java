package org.gatelane.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.gatelane.core.infer.BatchedGenerator;

/**
 * The generation loop behind the server: one thread owns a {@link BatchedGenerator} and steps every active stream
 * together; request threads {@link #submit}, which feeds prompts (their own and those that arrived with them, side
 * by side in one batched pass), and read what their {@link Ticket} receives. Requests beyond the streams wait in a
 * bounded queue, and beyond that are refused, so the work held is always bounded.
 */
final class GenerationService implements AutoCloseable {

    /** More work than the streams and the queue hold: the caller should come back later. */
    static final class Busy extends Exception {
        Busy(String message) {
            super(message, null, false, false);
        }
    }

    /** What a request thread receives: pieces of text, then the end. */
    sealed interface Event {
        record Text(String piece) implements Event {
        }

        record End(BatchedGenerator.End how, int characters) implements Event {
        }

        /** The request could not start: an HTTP status, the request's field at fault (or null), and why. */
        record Refused(int status, String field, String message) implements Event {
        }
    }

    /** One request's place in the service; its events arrive in order on {@link #next}. */
    final class Ticket implements BatchedGenerator.Listener {
        private final BatchedGenerator.Request request;
        private BatchedGenerator.Primed primed;
        private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        private final AtomicInteger characters = new AtomicInteger();
        private volatile BatchedGenerator.Stream stream;
        /** Set by {@link #cancel()}; a request not yet in a stream is dropped by the thread that feeds its prompt. */
        private volatile boolean cancelled;

        private Ticket(BatchedGenerator.Request request) {
            this.request = request;
        }

        /** The next event, waiting for it. */
        Event next() throws InterruptedException {
            return events.take();
        }

        /** The next event if one is there, else null. */
        Event poll() {
            return events.poll();
        }

        /** Ends the request at the next step (a client that went away); safe from any thread, more than once. */
        void cancel() {
            cancelled = true;
            cancellations.add(this);
        }

        @Override
        public void text(String piece) {
            characters.incrementAndGet();
            generated.incrementAndGet();
            events.add(new Event.Text(piece));
        }

        @Override
        public void ended(BatchedGenerator.End how) {
            events.add(new Event.End(how, characters.get()));
        }
    }

    private final BatchedGenerator generator;
    private final int queueCapacity;
    /** Requests whose prompt no request thread has taken to feed yet; then, fed, those waiting for a stream. */
    private final LinkedBlockingQueue<Ticket> unprimed = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<Ticket> waiting = new LinkedBlockingQueue<>();
    private final Queue<Ticket> cancellations = new ConcurrentLinkedQueue<>();
    private final List<Ticket> running = new ArrayList<>();
    private final AtomicInteger activeCount = new AtomicInteger();
    /** Requests whose prime is still to be fed or being fed, counted against the queue. */
    private int priming;
    private final AtomicLong generated = new AtomicLong();
    private final Thread loop;
    private volatile boolean stopping;

    /** Starts the loop. */
    GenerationService(BatchedGenerator generator, int queueCapacity) {
        this.generator = generator;
        this.queueCapacity = queueCapacity;
        this.loop = Thread.ofPlatform().name("gatelane-generation").daemon(true).start(this::run);
    }

    /**
     * Feeds {@code request}'s prime, with those of the requests that arrived with it, on the calling thread, then
     * queues it for a stream; it starts at the next step with a free place. A prime with characters the model
     * refuses comes back as the ticket's first event, at once.
     *
     * @throws Busy if every stream and every place in the queue is taken, or the service is stopping
     */
    Ticket submit(BatchedGenerator.Request request) throws Busy {
        Ticket ticket = new Ticket(request);
        try {
            generator.check(request);
        } catch (IllegalArgumentException refused) {
            ticket.events.add(new Event.Refused(400, "prompt", refused.getMessage()));
            return ticket;
        }
        synchronized (this) {
            if (stopping) {
                throw new Busy("the server is stopping");
            }
            if (activeCount.get() + waiting.size() + priming >= generator.maxStreams() + queueCapacity) {
                throw new Busy("all " + generator.maxStreams() + " streams and " + queueCapacity + " queue places "
                        + "are taken");
            }
            priming++;
            unprimed.add(ticket);
        }
        primeArrivals();
        return ticket;
    }

    /**
     * Feeds the prompts of every request queued for it, this thread's own among them unless another request's
     * thread took it first. Requests that arrive together are fed side by side, in few batched passes; requests that
     * arrive while a pass runs are fed by their own threads meanwhile, so a burst of arrivals uses every core. None
     * of it is on the generation thread, where a long prompt would hold every stream's next character.
     */
    private void primeArrivals() {
        List<Ticket> arrived = new ArrayList<>();
        unprimed.drainTo(arrived);
        if (arrived.isEmpty()) {
            return;
        }
        List<BatchedGenerator.Primed> primed = null;
        Event failure = null;
        try {
            primed = stopping ? null : generator.prime(arrived.stream().map(ticket -> ticket.request).toList());
        } catch (RuntimeException e) {
            // Every request taken here still gets its end, whoever's thread took it.
            failure = new Event.Refused(500, null, "the prompts could not be fed: " + e);
        }
        synchronized (this) {
            for (int i = 0; i < arrived.size(); i++) {
                Ticket ticket = arrived.get(i);
                priming--;
                if (failure != null) {
                    ticket.events.add(failure);
                } else if (primed == null || stopping || ticket.cancelled) {
                    ticket.events.add(new Event.End(BatchedGenerator.End.CANCELLED, 0));
                } else {
                    ticket.primed = primed.get(i);
                    waiting.add(ticket);
                }
            }
        }
    }

    /** Streams generating now. */
    int active() {
        return activeCount.get();
    }

    /** Requests waiting for a stream. */
    int queued() {
        return waiting.size();
    }

    /** Characters generated since the start. */
    long generatedCharacters() {
        return generated.get();
    }

    private void run() {
        try {
            while (!stopping || !running.isEmpty()) {
                admit();
                cancelRequested();
                if (running.isEmpty()) {
                    Ticket next = waiting.poll(100, TimeUnit.MILLISECONDS);
                    if (next != null) {
                        start(next);
                    }
                    continue;
                }
                generator.step();
                running.removeIf(ticket -> ticket.stream.ended());
                activeCount.set(running.size());
            }
            for (Ticket ticket; (ticket = waiting.poll()) != null; ) {
                ticket.events.add(new Event.End(BatchedGenerator.End.CANCELLED, 0));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Moves queued requests into free streams, between steps. */
    private void admit() {
        while (!stopping && running.size() < generator.maxStreams()) {
            Ticket next = waiting.poll();
            if (next == null) {
                return;
            }
            start(next);
        }
    }

    private void start(Ticket ticket) {
        ticket.stream = generator.join(ticket.primed, ticket);
        if (!ticket.stream.ended()) {
            running.add(ticket);
        }
        activeCount.set(running.size());
    }

    private void cancelRequested() {
        for (Ticket ticket; (ticket = cancellations.poll()) != null; ) {
            if (ticket.stream != null) {
                ticket.stream.cancel();
            } else if (waiting.remove(ticket)) {
                ticket.events.add(new Event.End(BatchedGenerator.End.CANCELLED, 0));
            }
        }
        if (stopping) {
            running.forEach(ticket -> ticket.stream.cancel());
            for (Ticket ticket; (ticket = waiting.poll()) != null; ) {
                ticket.events.add(new Event.End(BatchedGenerator.End.CANCELLED, 0));
            }
        }
    }

    /** Stops taking requests, ends the streams in flight (each gets its end), and waits for the loop. */
    @Override
    public void close() {
        synchronized (this) {
            stopping = true;
        }
        try {
            loop.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
