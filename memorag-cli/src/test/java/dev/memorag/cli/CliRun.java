package dev.memorag.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * The exit code and the captured standard output and error of one in-process {@code memorag} run, for tests.
 *
 * @param code the exit code
 * @param out what the command printed to its standard output writer
 * @param err what the command printed to its standard error writer
 */
public record CliRun(int code, String out, String err) {
    /** Runs {@code memorag args...} with fresh output and error writers. */
    public static CliRun of(String... args) {
        picocli.CommandLine cl = MemoragCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
