package dev.memorag.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code memorag bench ...}: throughput and memory benchmarks; each prints a JSON report. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (JSON reports).",
        subcommands = {
            // Register bench subcommands here, one per line.
            BenchEmbedCommand.class,
            BenchIndexCommand.class,
            BenchMemoryCommand.class,
            BenchPprCommand.class,
            Int8BenchCommand.class,
            LlmBenchCommand.class,
            MakeModelCommand.class,
            PipelineBenchCommand.class,
        })
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
