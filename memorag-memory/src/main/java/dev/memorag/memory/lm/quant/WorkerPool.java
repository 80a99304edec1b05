package dev.memorag.memory.lm.quant;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A small pool of daemon threads ({@code availableProcessors() - 1} of them, created on first use) that run the chunks
 * of one call together with the calling thread.
 *
 * <p>Why not an {@code ExecutorService}: one decode step issues ~170 matrix-vector products of 50-500 us each, and a
 * parked thread needs 50-90 us to wake on this kind of virtual machine. So the workers spin for a short while
 * ({@value #DEFAULT_SPIN_MICROS} us, system property {@code memorag.int8.spinMicros}) before they park, chunks are
 * claimed dynamically (a late or descheduled worker only delays the chunk it holds, the caller takes the rest), and
 * the caller always works instead of waiting.
 *
 * <p>Thread-safety: thread-safe; concurrent {@link #forEach} calls share the workers.
 */
final class WorkerPool {
    static final long DEFAULT_SPIN_MICROS = 50;

    private static final long SPIN_NANOS = spinNanos();

    private final ConcurrentLinkedQueue<Batch> queue = new ConcurrentLinkedQueue<>();
    private final Worker[] workers;

    private WorkerPool(int threads) {
        workers = new Worker[Math.max(0, threads - 1)];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(this, "memorag-int8-worker-" + (i + 1));
            workers[i].start();
        }
    }

    /** The process-wide pool, created on first use. */
    static WorkerPool shared() {
        return Holder.SHARED;
    }

    private static final class Holder {
        static final WorkerPool SHARED = new WorkerPool(Runtime.getRuntime().availableProcessors());
    }

    /**
     * Runs {@code body} for every chunk in {@code [0, chunks)}, on the caller and the workers; returns when all are
     * done. The first exception a chunk throws is rethrown here (remaining chunks are skipped).
     */
    void forEach(int chunks, IntConsumer body) {
        if (chunks <= 1 || workers.length == 0) {
            for (int i = 0; i < chunks; i++) {
                body.accept(i);
            }
            return;
        }
        Batch batch = new Batch(chunks, body, Thread.currentThread());
        int helpers = Math.min(workers.length, chunks - 1);
        for (int h = 0; h < helpers; h++) {
            queue.add(batch);
        }
        for (Worker w : workers) {
            if (w.sleeping) {
                LockSupport.unpark(w);
            }
        }
        batch.participate();
        batch.awaitDone();
        Throwable failure = batch.failure.get();
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    private static long spinNanos() {
        String v = System.getProperty("memorag.int8.spinMicros");
        try {
            return v == null ? DEFAULT_SPIN_MICROS * 1000 : Math.max(0, Long.parseLong(v.trim()) * 1000);
        } catch (NumberFormatException e) {
            return DEFAULT_SPIN_MICROS * 1000;
        }
    }

    /** One call's chunks; every participant claims the next unclaimed chunk until none is left. */
    private static final class Batch {
        private final int chunks;
        private final IntConsumer body;
        private final Thread caller;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger done = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Batch(int chunks, IntConsumer body, Thread caller) {
            this.chunks = chunks;
            this.body = body;
            this.caller = caller;
        }

        void participate() {
            int i;
            while ((i = next.getAndIncrement()) < chunks) {
                try {
                    if (failure.get() == null) {
                        body.accept(i);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    if (done.incrementAndGet() == chunks && Thread.currentThread() != caller) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }

        void awaitDone() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (done.get() < chunks) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 200_000);
                }
            }
        }
    }

    private static final class Worker extends Thread {
        private final WorkerPool pool;
        volatile boolean sleeping;

        Worker(WorkerPool pool, String name) {
            super(name);
            this.pool = pool;
            setDaemon(true);
        }

        @Override
        public void run() {
            ConcurrentLinkedQueue<Batch> queue = pool.queue;
            while (true) {
                Batch batch = queue.poll();
                if (batch != null) {
                    batch.participate();
                    continue;
                }
                long spinUntil = System.nanoTime() + SPIN_NANOS;
                while (queue.isEmpty() && System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                }
                if (!queue.isEmpty()) {
                    continue;
                }
                // Announce the park, then look once more: a producer that enqueued before seeing the flag is seen here.
                sleeping = true;
                if (queue.isEmpty()) {
                    LockSupport.park(this);
                }
                sleeping = false;
                Thread.interrupted(); // nothing interrupts these threads; a stray flag must not turn park into a spin

            }
        }
    }
}
