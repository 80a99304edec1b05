package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ServeCommandTest {
    private static String run(int expectedExit, String... args) {
        StringWriter err = new StringWriter();
        picocli.CommandLine cl = MemoragCli.commandLine();
        cl.setErr(new PrintWriter(err));
        assertEquals(expectedExit, cl.execute(args), err.toString());
        return err.toString();
    }

    @Test
    void aMissingSaveDirectoryIsAClearError() {
        String err = run(1, "serve", "--save", "some/dir", "--port", "0");
        assertTrue(err.startsWith("error: save directory does not exist: ") && err.contains("some/dir"), err);
    }

    @Test
    void nothingToServeNamesTheOption() {
        assertTrue(run(1, "serve", "--port", "0").contains("--generator REF"));
    }

    @Test
    void unknownGeneratorReferenceIsAClearError() {
        assertTrue(run(1, "serve", "--generator", "nosuch:thing", "--port", "0").contains("nosuch:thing"));
    }
}
