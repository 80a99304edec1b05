package dev.memorag.cli;

import dev.memorag.error.MemoRagException;
import picocli.CommandLine;

/**
 * Prints library errors as one clear line in command-line terms (exit 1) instead of a stack trace; other exceptions keep
 * their trace.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
        if (ex instanceof MemoRagException) {
            cmd.getErr().println("error: " + CliMessages.translate(ex.getMessage()));
            return 1;
        }
        ex.printStackTrace(cmd.getErr());
        return 2;
    }
}
