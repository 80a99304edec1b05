package dev.memorag.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * The progress options every long-running command shares, with one meaning everywhere: {@code --quiet} shows no
 * progress at all, {@code --plain-progress} shows sparse plain lines instead of a bar redrawn in place (what a pipe or
 * a CI log gets anyway). Results and errors are printed either way.
 *
 * <p>Thread-safety: not thread-safe (picocli fills it once per command).
 */
public final class ProgressOptions {
    @Option(names = {"-q", "--quiet"}, description = "No progress output (results and errors are still printed).")
    boolean quiet;

    @Option(names = "--plain-progress",
            description = "Sparse plain progress lines instead of a bar redrawn in place (the default when stderr is "
                    + "not a terminal).")
    boolean plain;

    /** Progress on {@code err} as these options ask. */
    ProgressBar bar(PrintWriter err, ProgressBar.Unit unit) {
        ProgressBar bar = ProgressBar.forStderr(err,
                quiet ? ProgressBar.Style.OFF : plain ? ProgressBar.Style.LINES : ProgressBar.Style.BAR, unit);
        Interruption.showing(bar);
        return bar;
    }
}
