package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to the pipeline commands ends in one clear error line and exit code 1, before any model is loaded. */
class PipelineCommandErrorsTest {
    @TempDir
    Path tmp;

    @Test
    void memorizeRejectsEmptyBinaryAndInvalidUtf8Files() throws IOException {
        Path save = tmp.resolve("save");
        Path empty = Files.writeString(tmp.resolve("empty.txt"), "");
        CliRun r = CliRun.of("memorize", empty.toString(), "--save", save.toString());
        assertEquals(1, r.code());
        assertEquals("error: " + empty + " is empty: there is nothing to memorise", r.err().strip());

        Path latin1 = tmp.resolve("latin1.txt");
        Files.write(latin1, "na\u00efve text".getBytes(StandardCharsets.ISO_8859_1));
        r = CliRun.of("memorize", latin1.toString(), "--save", save.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: " + latin1 + " is not valid UTF-8: malformed bytes at byte offset 2"),
                r.err());

        Path blob = tmp.resolve("blob.txt");
        Files.writeString(blob, "y".repeat(10 * 1024 * 1024));
        r = CliRun.of("memorize", blob.toString(), "--save", save.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: " + blob + " is not prose"), r.err());
        assertFalse(Files.exists(save), "nothing was written");
    }

    @Test
    void queryCommandsOnAMissingOrForeignDirectoryFailClearly() throws IOException {
        Path missing = tmp.resolve("missing");
        CliRun r = CliRun.of("ask", missing.toString(), "Who?");
        assertEquals(1, r.code());
        assertEquals("error: save directory does not exist: " + missing.toAbsolutePath().normalize(), r.err().strip());
        Path foreign = Files.createDirectories(tmp.resolve("foreign"));
        r = CliRun.of("recall", foreign.toString(), "Who?");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: " + foreign.toAbsolutePath().normalize().resolve("manifest.json")
                + " is missing"), r.err());
        r = CliRun.of("summarize", foreign.toString());
        assertEquals(1, r.code());
    }
}
