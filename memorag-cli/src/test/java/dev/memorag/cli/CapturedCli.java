package dev.memorag.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/**
 * Runs {@code memorag} in-process like {@link CliRun}, and also captures {@code System.out}, where the pipeline
 * commands print their results.
 */
final class CapturedCli {
    private CapturedCli() {
    }

    /** Runs {@code memorag args...}; {@link CliRun#out()} is what went to {@code System.out} and the command's out. */
    static synchronized CliRun of(String... args) {
        picocli.CommandLine cl = MemoragCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int code;
        try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            code = cl.execute(args);
        } finally {
            System.setOut(old);
        }
        return new CliRun(code, bytes.toString(StandardCharsets.UTF_8) + out, err.toString());
    }
}
