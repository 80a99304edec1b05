package dev.memorag.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code memorag memory ...}: inspect memory models. */
@Command(name = "memory", mixinStandardHelpOptions = true, description = "Memory-model tools.",
        subcommands = {
            MemoryTraceCommand.class,
        })
public final class MemoryCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
