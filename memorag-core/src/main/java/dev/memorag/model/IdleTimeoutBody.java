package dev.memorag.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A response body read as an {@link InputStream} whose reads fail after a period without data. The JDK's
 * {@code BodyHandlers.ofInputStream()} blocks forever on a connection that stalls without closing; a download must
 * instead fail (and later resume) when the server stops sending.
 *
 * <p>Thread-safety: the subscriber side is called by the HTTP client's threads; the stream side must be read by one
 * thread.
 */
final class IdleTimeoutBody extends InputStream implements HttpResponse.BodySubscriber<InputStream> {
    private static final Object END = new Object();

    private final long timeoutNanos;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private volatile Flow.Subscription subscription;
    private Iterator<ByteBuffer> buffers = List.<ByteBuffer>of().iterator();
    private ByteBuffer current;
    private boolean finished;
    private boolean closed;

    IdleTimeoutBody(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    static HttpResponse.BodyHandler<InputStream> handler(Duration timeout) {
        return info -> new IdleTimeoutBody(timeout);
    }

    @Override
    public CompletionStage<InputStream> getBody() {
        return CompletableFuture.completedStage(this);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        queue.add(item);
    }

    @Override
    public void onError(Throwable throwable) {
        queue.add(throwable);
    }

    @Override
    public void onComplete() {
        queue.add(END);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        if (len == 0) {
            return 0;
        }
        while (current == null || !current.hasRemaining()) {
            if (buffers.hasNext()) {
                current = buffers.next();
                continue;
            }
            if (finished) {
                return -1;
            }
            Object next;
            try {
                next = queue.poll(timeoutNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for data");
            }
            if (next == null) {
                cancel();
                throw new IOException("no data received for " + Duration.ofNanos(timeoutNanos).toMillis() + " ms");
            }
            if (next == END) {
                finished = true;
            } else if (next instanceof Throwable t) {
                finished = true;
                throw new IOException(t.getMessage(), t);
            } else {
                @SuppressWarnings("unchecked")
                List<ByteBuffer> list = (List<ByteBuffer>) next;
                buffers = list.iterator();
                subscription.request(1);
            }
        }
        int n = Math.min(len, current.remaining());
        current.get(b, off, n);
        return n;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (!finished) {
                cancel();
            }
        }
    }

    private void cancel() {
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }
}
