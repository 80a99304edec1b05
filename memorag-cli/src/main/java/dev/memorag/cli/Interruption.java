package dev.memorag.cli;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the running command leaves behind if the user interrupts it (Ctrl-C): a JVM shutdown hook, installed by
 * {@link MemoragCli#main}, prints {@code interrupted; <what was kept or not written>} on stderr, and the JVM exits with
 * status 130 (128 + SIGINT). Commands that write say what an interruption would keep by calling {@link #report}; the
 * others leave the default, {@value #NOTHING_WRITTEN}. Saves stay consistent without any help from the hook: they are
 * written into a temporary sibling and renamed into place, so an interrupted write leaves the previous save untouched
 * (the next write removes the partial sibling).
 *
 * <p>Thread-safety: thread-safe; one state per JVM, since a JVM runs one command line.
 */
final class Interruption {
    static final String NOTHING_WRITTEN = "nothing was written";

    /**
     * What an interruption leaves now, and what the hook should tidy up first (or null).
     *
     * @param kept the text after {@code "interrupted; "}
     * @param cleanup run by the hook before it prints, or null
     */
    record Pending(String kept, Cleanup cleanup) {
    }

    /** Tidying the hook does before printing; returns what to add to the message, or "" when all went well. */
    @FunctionalInterface
    interface Cleanup {
        String run();
    }

    /** Null while no command runs (before, after, and in tests, where no hook is installed). */
    private static final AtomicReference<Pending> PENDING = new AtomicReference<>();
    /** The command's progress, whose bar line the message must not continue. */
    private static final AtomicReference<ProgressBar> PROGRESS = new AtomicReference<>();

    private Interruption() {
    }

    /** A command starts: an interruption from now on reports {@value #NOTHING_WRITTEN}. */
    static void start() {
        PENDING.set(new Pending(NOTHING_WRITTEN, null));
    }

    /** The command ended: an interruption now (while the JVM exits) prints nothing. */
    static void end() {
        PENDING.set(null);
    }

    /** From now on, an interruption reports {@code kept}. */
    static void report(String kept) {
        report(kept, null);
    }

    /** From now on, an interruption runs {@code cleanup} and reports {@code kept}. */
    static void report(String kept, Cleanup cleanup) {
        PENDING.set(new Pending(kept, cleanup));
    }

    /** The command shows its progress on {@code bar}: an interruption ends the bar's line before it prints. */
    static void showing(ProgressBar bar) {
        PROGRESS.set(bar);
    }

    /**
     * The line an interruption prints now, running the cleanup and ending an open progress line first; null when no
     * command is running.
     */
    static String message() {
        Pending p = PENDING.getAndSet(null);
        ProgressBar bar = PROGRESS.getAndSet(null);
        if (p == null) {
            return null;
        }
        if (bar != null) {
            bar.finish();
        }
        String extra = p.cleanup() == null ? "" : p.cleanup().run();
        return "interrupted; " + p.kept() + extra;
    }

    /** The shutdown hook: prints {@link #message()} on {@code err} when a command was interrupted. */
    static Thread hook(PrintStream err) {
        return new Thread(() -> {
            String line = message();
            if (line != null) {
                err.println(line);
                err.flush();
            }
        }, "memorag-interrupt");
    }
}
