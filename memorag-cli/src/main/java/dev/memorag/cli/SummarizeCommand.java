package dev.memorag.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code memorag summarize DIR}: key points from the memory retrieve evidence; the generator summarises it. A save
 * without a memory model is summarised from its beginning.
 */
@Command(name = "summarize", mixinStandardHelpOptions = true,
        description = "Summarise the text held in a save directory.")
final class SummarizeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "Save directory.")
    Path dir;

    @Mixin
    AskCommand.QueryFlags flags;

    @Mixin
    PipelineOptions options;

    @Override
    public Integer call() {
        return AskCommand.run(dir, "", AskCommand.Task.summarize, flags, options);
    }
}
