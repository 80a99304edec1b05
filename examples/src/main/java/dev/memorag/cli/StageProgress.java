package dev.memorag.cli;

import dev.memorag.api.ProgressListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar per stage on standard error ({@code memorize [#####.....] 52% 1234/2345}), redrawn at most
 * ten times a second; when standard error is not a terminal only each stage's completion is printed.
 *
 * <p>Thread-safety: thread-safe (synchronised), since embedders may report from worker threads.
 */
final class StageProgress implements ProgressListener {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final boolean interactive;
    private String stage;
    private long lastDraw;
    private boolean lineOpen;

    StageProgress(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    /** Progress on {@link System#err}, animated when a console is attached. */
    static StageProgress stderr() {
        return new StageProgress(System.err, System.console() != null);
    }

    @Override
    public synchronized void onProgress(String name, long done, long total) {
        boolean newStage = !name.equals(stage);
        if (newStage && lineOpen) {
            out.println();
            lineOpen = false;
        }
        stage = name;
        boolean finished = total > 0 && done >= total;
        long now = System.nanoTime();
        if (interactive) {
            if (newStage || finished || now - lastDraw > 100_000_000L) {
                out.print("\r" + line(name, done, total));
                lineOpen = true;
                lastDraw = now;
                if (finished) {
                    out.println();
                    lineOpen = false;
                    stage = null;
                }
            }
        } else if (finished) {
            out.println(line(name, done, total));
            stage = null;
        }
        out.flush();
    }

    /** Ends an open line (call before printing results). */
    synchronized void finish() {
        if (lineOpen) {
            out.println();
            lineOpen = false;
        }
    }

    static String line(String name, long done, long total) {
        if (total <= 0) {
            return String.format(Locale.ROOT, "%-10s %,d", name, done);
        }
        int filled = (int) Math.min(WIDTH, WIDTH * done / total);
        return String.format(Locale.ROOT, "%-10s [%s%s] %3d%% %,d/%,d", name, "#".repeat(filled),
                ".".repeat(WIDTH - filled), 100 * Math.min(done, total) / total, done, total);
    }
}
