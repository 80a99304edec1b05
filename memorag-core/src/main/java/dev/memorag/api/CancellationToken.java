package dev.memorag.api;

import dev.memorag.error.CancelledException;

/**
 * A flag a caller sets to stop a long operation (generation, memorising, downloading). Operations poll it between
 * steps and stop with {@link CancelledException}.
 *
 * <p>Thread-safety: thread-safe; meant to be cancelled from another thread.
 */
public final class CancellationToken {
    /** A token that is never cancelled. */
    public static final CancellationToken NONE = new CancellationToken(false);

    private final boolean cancellable;
    private volatile boolean cancelled;

    private CancellationToken(boolean cancellable) {
        this.cancellable = cancellable;
    }

    public CancellationToken() {
        this(true);
    }

    /** Requests cancellation; idempotent. Has no effect on {@link #NONE}. */
    public void cancel() {
        if (cancellable) {
            cancelled = true;
        }
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** Throws {@link CancelledException} naming {@code what} if cancellation was requested. */
    public void throwIfCancelled(String what) {
        if (cancelled) {
            throw new CancelledException(what + " was cancelled");
        }
    }
}
