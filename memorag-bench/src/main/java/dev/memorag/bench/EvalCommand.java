package dev.memorag.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code memorag eval ...}: quality evaluations on public data; each prints a JSON report. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluations (JSON reports).",
        subcommands = {
            // Register eval subcommands here, one per line.
            EvalBookqaCommand.class,
            EvalQaCommand.class,
            EvalRetrievalCommand.class,
            EvalZhPassagesCommand.class,
        })
public final class EvalCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
