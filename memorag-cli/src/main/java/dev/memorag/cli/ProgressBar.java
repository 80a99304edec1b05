package dev.memorag.cli;

import dev.memorag.api.ProgressListener;
import java.io.Console;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Renders {@link ProgressListener} events on stderr for CLI commands. On a terminal it redraws one line per stage
 * ({@code \r}, at most ten times a second); otherwise (a pipe, a CI log, or {@code --plain-progress}) it prints sparse
 * plain lines: when a stage starts, at each quarter, and when it completes; with {@code --quiet} it prints nothing.
 * Once a stage with a known total has run for a second, its line ends with an estimate of the time left
 * ({@code ETA 1m05s}), extrapolated from the stage's rate so far. Call {@link #finish()} when the operation ends.
 *
 * <p>Thread-safety: thread-safe (events may come from worker threads).
 */
public final class ProgressBar implements ProgressListener {
    /** How {@code done}/{@code total} are printed. Thread-safety: immutable. */
    public enum Unit {
        BYTES,
        COUNT
    }

    /** How progress is shown. Thread-safety: immutable. */
    public enum Style {
        /** One line per stage redrawn in place (downgraded to {@link #LINES} when stderr is not a terminal). */
        BAR,
        /** Sparse plain lines. */
        LINES,
        /** Nothing. */
        OFF
    }

    private static final int WIDTH = 24;
    private static final long REDRAW_NANOS = 100_000_000L;
    /** Plain mode, unknown total: one line at most this often. */
    private static final long PLAIN_UNKNOWN_NANOS = 10_000_000_000L;
    /** Below this much time in a stage the rate is too noisy to extrapolate. */
    private static final long ETA_MIN_ELAPSED_NANOS = 1_000_000_000L;

    private final PrintWriter err;
    private final Style style;
    private final Unit unit;
    private final LongSupplier nanoClock;
    private String stage;
    private long stageStart;
    private long lastDraw;
    private int lastQuarter;
    private boolean stageDone;
    private boolean lineOpen;
    private int lastLength;

    /**
     * @param style {@link Style#BAR} redraws in place whatever stderr is; see {@link #forStderr}
     */
    public ProgressBar(PrintWriter err, Style style, Unit unit) {
        this(err, style, unit, System::nanoTime);
    }

    ProgressBar(PrintWriter err, Style style, Unit unit, LongSupplier nanoClock) {
        this.err = Objects.requireNonNull(err, "err");
        this.style = Objects.requireNonNull(style, "style");
        this.unit = Objects.requireNonNull(unit, "unit");
        this.nanoClock = nanoClock;
    }

    /** Progress in {@code style}, except that a bar becomes plain lines when stderr does not look like a terminal. */
    public static ProgressBar forStderr(PrintWriter err, Style style, Unit unit) {
        boolean bar = style == Style.BAR && stderrIsTerminal(System.getenv());
        return new ProgressBar(err, bar || style == Style.OFF ? style : Style.LINES, unit);
    }

    @Override
    public synchronized void onProgress(String stage, long done, long total) {
        if (style == Style.OFF) {
            return;
        }
        boolean newStage = !stage.equals(this.stage);
        boolean complete = total >= 0 && done >= total;
        long now = nanoClock.getAsLong();
        if (newStage) {
            endLine();
            this.stage = stage;
            stageStart = now;
            lastQuarter = -1;
            stageDone = false;
        } else if (stageDone) {
            return; // repeated completion events print nothing
        }
        if (style == Style.BAR) {
            if (newStage || complete || now - lastDraw >= REDRAW_NANOS) {
                String line = render(stage, done, total, true, now);
                err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
                lastLength = line.length();
                lastDraw = now;
                lineOpen = true;
                if (complete) {
                    endLine();
                    stageDone = true;
                }
            }
        } else {
            int quarter = total > 0 ? (int) Math.min(4, 4 * done / total) : lastQuarter;
            boolean due = total < 0 && now - lastDraw >= PLAIN_UNKNOWN_NANOS;
            if (newStage || quarter > lastQuarter || due) {
                err.println(render(stage, done, total, false, now));
                lastQuarter = Math.max(quarter, 0);
                lastDraw = now;
            }
        }
        err.flush();
    }

    /** Ends an open bar line; idempotent. */
    public synchronized void finish() {
        endLine();
        err.flush();
    }

    private void endLine() {
        if (lineOpen) {
            err.println();
            lineOpen = false;
            lastLength = 0;
        }
    }

    private String render(String stage, long done, long total, boolean bar, long now) {
        StringBuilder sb = new StringBuilder(stage);
        if (total > 0) {
            int pct = (int) Math.min(100, 100 * done / total);
            if (bar) {
                int filled = (int) Math.min(WIDTH, WIDTH * done / total);
                sb.append(" [").append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append(']');
            } else {
                sb.append(':');
            }
            sb.append(' ').append(format(done)).append(" / ").append(format(total))
                    .append(String.format(Locale.ROOT, " (%d%%", pct));
            long elapsed = now - stageStart;
            if (done > 0 && done < total && elapsed >= ETA_MIN_ELAPSED_NANOS) {
                sb.append(", ETA ").append(formatEta((long) ((double) elapsed * (total - done) / done)));
            }
            sb.append(')');
        } else {
            sb.append(bar ? " " : ": ").append(format(done));
        }
        return sb.toString();
    }

    /** A remaining time, rounded up to whole seconds: {@code 7s}, {@code 1m05s}, {@code 2h03m}. */
    static String formatEta(long nanos) {
        long s = Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }

    private String format(long n) {
        if (unit == Unit.COUNT || n < 1024) {
            return unit == Unit.BYTES ? n + " B" : Long.toString(n);
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[i]);
    }

    /**
     * Best effort: Java cannot ask whether stderr itself is a terminal, so this uses the console (stdin and stdout)
     * as a proxy and treats CI and dumb terminals as non-interactive.
     */
    static boolean stderrIsTerminal(Map<String, String> env) {
        String term = env.get("TERM");
        if (env.containsKey("CI") || term == null || term.equals("dumb")) {
            return false;
        }
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            // JDK 22+ returns a console even when redirected; its isTerminal() tells the truth.
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException e) {
            return true; // before JDK 22 a console exists only on a terminal
        } catch (IllegalAccessException | InvocationTargetException e) {
            return false;
        }
    }
}
