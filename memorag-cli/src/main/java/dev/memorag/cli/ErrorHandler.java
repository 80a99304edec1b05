package dev.memorag.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.MemoRagException;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine;

/**
 * How a failed command ends. Library errors print one clear line, {@code error: <message>}, on stderr (exit 1); other
 * exceptions keep their stack trace (exit 2); usage errors keep picocli's message and usage help (exit 2). When the
 * command line asks for {@code --json}, every error is instead one JSON object on stdout, with the same exit code:
 * <pre>{"error": {"type": "invalid_input", "message": "...", "exit_code": 1}}</pre>
 * {@code type} is the library exception's kind ({@code invalid_input}, {@code state}, {@code corrupt_data},
 * {@code model_not_found}, ...), {@code usage} for a bad command line and {@code internal} for a bug (whose stack
 * trace still goes to stderr).
 *
 * <p>Thread-safety: stateless apart from the wrapped picocli handler, which is stateless too.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
    static final String JSON_OPTION = "--json";
    static final int LIBRARY_ERROR = 1;
    static final int INTERNAL_ERROR = 2;

    private final CommandLine.IParameterExceptionHandler usageHandler;

    /** @param usageHandler picocli's handler, which prints usage errors when no JSON is asked for */
    ErrorHandler(CommandLine.IParameterExceptionHandler usageHandler) {
        this.usageHandler = usageHandler;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
        boolean library = ex instanceof MemoRagException;
        int code = library ? LIBRARY_ERROR : INTERNAL_ERROR;
        if (cmd.getParseResult() != null && cmd.getParseResult().hasMatchedOption(JSON_OPTION)) {
            printJson(cmd.getOut(), library ? type(ex.getClass()) : "internal",
                    library ? CliMessages.translate(ex.getMessage()) : ex.toString(), code);
            if (!library) {
                ex.printStackTrace(cmd.getErr());
            }
            return code;
        }
        if (library) {
            cmd.getErr().println("error: " + CliMessages.translate(ex.getMessage()));
        } else {
            ex.printStackTrace(cmd.getErr());
        }
        return code;
    }

    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) throws Exception {
        if (!asksForJson(args)) {
            return usageHandler.handleParseException(ex, args);
        }
        CommandLine cmd = ex.getCommandLine();
        int code = cmd.getCommandSpec().exitCodeOnInvalidInput();
        printJson(cmd.getOut(), "usage", ex.getMessage() + " (see '" + cmd.getCommandSpec().qualifiedName()
                + " --help')", code);
        return code;
    }

    /** Whether {@code --json} is among the options, i.e. before a {@code --} that ends them. */
    static boolean asksForJson(String[] args) {
        for (String a : args) {
            if (a.equals("--")) {
                return false;
            }
            if (a.equals(JSON_OPTION)) {
                return true;
            }
        }
        return false;
    }

    /** {@code InvalidInputException} → {@code invalid_input}; the root {@code MemoRagException} → {@code error}. */
    static String type(Class<?> exception) {
        String name = exception.getSimpleName().replaceFirst("Exception$", "");
        if (exception == MemoRagException.class || name.isEmpty()) {
            return "error";
        }
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private static void printJson(PrintWriter out, String type, String message, int code) {
        ObjectNode root = PipelineOutput.object();
        ObjectNode error = root.putObject("error");
        error.put("type", type);
        error.put("message", message);
        error.put("exit_code", code);
        out.println(root.toPrettyString());
        out.flush();
    }
}
