package org.gatelane.cli;

import java.util.concurrent.CountDownLatch;

/**
 * Ctrl-C (or SIGTERM): ask the training loop to stop, and hold the JVM's shutdown until the loop has saved and
 * {@link #done()} is called.
 */
final class Interrupt {
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    private Interrupt(Runnable onSignal) {
        hook = new Thread(() -> {
            onSignal.run();
            try {
                finished.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "gatelane-interrupt");
    }

    static Interrupt install(Runnable onSignal) {
        Interrupt interrupt = new Interrupt(onSignal);
        Runtime.getRuntime().addShutdownHook(interrupt.hook);
        return interrupt;
    }

    /** Lets a pending shutdown go on; without one, removes the hook. */
    void done() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running: it returns now that the latch is open.
        }
    }
}
