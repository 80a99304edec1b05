package dev.memorag.cli;

import java.util.ServiceLoader;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code memorag} command-line tool. Each subcommand lives in its own class and is registered below; a
 * {@link CliExtension} on the class path adds more (the {@code bench} and {@code eval} commands of memorag-bench).
 */
@Command(name = "memorag", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Memory-augmented retrieval-augmented generation on the JVM.",
        subcommands = {
            // Register subcommands here, one per line, keeping the list sorted by class name.
            AddCommand.class,
            AskCommand.class,
            DemoCommand.class,
            InfoCommand.class,
            LmCommand.class,
            MemorizeCommand.class,
            MemoryCommand.class,
            ModelsCommand.class,
            RecallCommand.class,
            RemoveCommand.class,
            ServeCommand.class,
            SummarizeCommand.class,
        })
public final class MemoragCli implements Runnable {
    /**
     * Lucene 9 uses the Vector API only on JDK 20-22 and, on every other JDK, warns through java.util.logging on each
     * run that {@code --add-modules jdk.incubator.vector} (which {@code ./memorag} passes for the int8 kernel) goes
     * unused. Nothing a user can act on, so the CLI silences that one logger; held here because JUL keeps loggers
     * only weakly.
     */
    private static final Logger LUCENE_VECTORIZATION = Logger.getLogger(
            "org.apache.lucene.internal.vectorization.VectorizationProvider");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line (tests use this to run commands in-process). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new MemoragCli());
        for (CliExtension extension : ServiceLoader.load(CliExtension.class)) {
            extension.commands().forEach(cl::addSubcommand);
        }
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        ErrorHandler errors = new ErrorHandler(cl.getParameterExceptionHandler());
        cl.setExecutionExceptionHandler(errors);
        cl.setParameterExceptionHandler(errors);
        return cl;
    }

    public static void main(String[] args) {
        LUCENE_VECTORIZATION.setLevel(Level.SEVERE);
        CommandLine cl = commandLine();
        Runtime.getRuntime().addShutdownHook(Interruption.hook(System.err));
        Interruption.start();
        int code = cl.execute(args);
        Interruption.end();
        System.exit(code);
    }
}
