package dev.memorag.generation;

import dev.memorag.error.CancelledException;
import dev.memorag.api.CancellationToken;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Hands one HTTP response to the calling thread as a queue of events (the status line and headers, then body lines),
 * so the caller can wait with its own idle timeout and poll a {@link CancellationToken} while it waits: the JDK's
 * request timeout only covers the response headers, and a blocked read cannot be cancelled otherwise.
 *
 * <p>Thread-safety: the HTTP client's threads produce, exactly one caller thread consumes.
 */
final class ResponseLines implements HttpResponse.BodyHandler<Void>, Flow.Subscriber<String> {
    /** How often a waiting caller looks at its cancellation token. */
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(25);
    private static final Object END = new Object();

    private record Failure(Throwable cause) {
    }

    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private volatile Flow.Subscription subscription;
    private volatile boolean aborted;
    /** The consumer has seen the end of the body: the connection is back in the client's pool, untouched. */
    private boolean ended;

    @Override
    public HttpResponse.BodySubscriber<Void> apply(HttpResponse.ResponseInfo info) {
        events.add(info);
        return HttpResponse.BodySubscribers.fromLineSubscriber(this, s -> null, StandardCharsets.UTF_8, null);
    }

    /** Records a failure of the exchange itself (connect error, header timeout). */
    void fail(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        events.add(new Failure(cause));
    }

    /** Whether the consumer read the body to its end (then there is nothing to abort). Consumer thread only. */
    boolean ended() {
        return ended;
    }

    /**
     * Stops reading: later body data is discarded and the connection closed. Idempotent. Only for a body not read to
     * its end; cancelling a finished exchange could close a connection that is already back in the pool.
     */
    void abort() {
        aborted = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (aborted) {
            s.cancel();
        } else {
            s.request(Long.MAX_VALUE);
        }
    }

    @Override
    public void onNext(String line) {
        events.add(line);
    }

    @Override
    public void onError(Throwable t) {
        events.add(new Failure(t));
    }

    @Override
    public void onComplete() {
        events.add(END);
    }

    /** Waits for the status and headers. */
    HttpResponse.ResponseInfo awaitHead(Duration timeout, CancellationToken cancel, String what)
            throws IOException {
        Object e = next(timeout, cancel, what, "response headers");
        if (e instanceof HttpResponse.ResponseInfo info) {
            return info;
        }
        throw new IOException(what + ": response ended before its headers");
    }

    /** The next body line, or null at the end of the body. */
    String nextLine(Duration idleTimeout, CancellationToken cancel, String what) throws IOException {
        Object e = next(idleTimeout, cancel, what, "response data");
        if (e == END) {
            ended = true;
            return null;
        }
        if (e instanceof String s) {
            return s;
        }
        throw new IOException(what + ": unexpected response event " + e);
    }

    private Object next(Duration timeout, CancellationToken cancel, String what, String waitingFor)
            throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            cancel.throwIfCancelled(what);
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new HttpTimeoutException(what + ": no " + waitingFor + " within " + timeout.toMillis()
                        + " ms (read timeout)");
            }
            Object e;
            try {
                e = events.poll(Math.min(left, POLL_NANOS), TimeUnit.NANOSECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new CancelledException(what + " was interrupted while waiting for " + waitingFor, ie);
            }
            if (e == null) {
                continue;
            }
            if (e instanceof Failure f) {
                Throwable c = f.cause();
                if (c instanceof IOException io) {
                    throw io;
                }
                throw new IOException(what + ": " + c, c);
            }
            return e;
        }
    }
}
