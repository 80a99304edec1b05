package dev.memorag.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/**
 * The exit code and the captured standard output and error of one in-process {@code memorag} run, for tests.
 *
 * @param code the exit code
 * @param out what the command printed to its standard output writer (with {@link #withStdout}, preceded by what it
 *     printed to {@code System.out})
 * @param err what the command printed to its standard error writer
 */
public record CliRun(int code, String out, String err) {
    /** Runs {@code memorag args...} with fresh output and error writers. */
    public static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = execute(out, err, args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /**
     * Like {@link #of}, but {@link #out()} also holds what went to {@code System.out}, where the pipeline commands
     * print their results. Synchronized because {@code System.out} is one per JVM.
     */
    public static synchronized CliRun withStdout(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int code;
        try (PrintStream capture = new PrintStream(stdout, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            code = execute(out, err, args);
        } finally {
            System.setOut(old);
        }
        return new CliRun(code, stdout.toString(StandardCharsets.UTF_8) + out, err.toString());
    }

    private static int execute(StringWriter out, StringWriter err, String... args) {
        picocli.CommandLine cl = MemoragCli.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }
}
