package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.MemoRagException;
import dev.memorag.error.ModelNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code --json}, errors are one JSON object on stdout and the exit code stays non-zero; a damaged manifest is
 * reported with its file, line and column, never with Jackson's "Source: REDACTED" text.
 */
class CliJsonErrorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static JsonNode error(CliRun r) throws IOException {
        JsonNode root = JSON.readTree(r.out());
        assertEquals(1, root.size(), r.out());
        return root.get("error");
    }

    @Test
    void aLibraryErrorIsAJsonObjectOnStdoutWithExitCode1() throws IOException {
        Path missing = tmp.resolve("missing");
        CliRun r = CliRun.of("ask", missing.toString(), "Who?", "--json");
        assertEquals(1, r.code());
        assertEquals("", r.err());
        JsonNode e = error(r);
        assertEquals("invalid_input", e.get("type").asText());
        assertEquals("save directory does not exist: " + missing.toAbsolutePath().normalize(),
                e.get("message").asText());
        assertEquals(1, e.get("exit_code").asInt());

        Path foreign = Files.createDirectories(tmp.resolve("foreign"));
        r = CliRun.of("recall", foreign.toString(), "Who?", "--json");
        assertEquals(1, r.code());
        assertEquals("corrupt_data", error(r).get("type").asText());
        assertTrue(error(r).get("message").asText().endsWith(" is not a save directory, or its write never "
                + "completed"), r.out());
    }

    @Test
    void withoutJsonTheErrorStaysOneLineOnStderr() {
        Path missing = tmp.resolve("missing");
        CliRun r = CliRun.of("info", missing.toString());
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertEquals("error: save directory does not exist: " + missing.toAbsolutePath().normalize(),
                r.err().strip());
    }

    @Test
    void aUsageErrorWithJsonIsAJsonObjectWithExitCode2() throws IOException {
        CliRun r = CliRun.of("ask", "--json");
        assertEquals(2, r.code());
        assertEquals("", r.err());
        JsonNode e = error(r);
        assertEquals("usage", e.get("type").asText());
        assertEquals("Missing required parameters: 'DIR', 'QUESTION' (see 'memorag ask --help')",
                e.get("message").asText());
        assertEquals(2, e.get("exit_code").asInt());
        // without --json picocli's message and usage help stay on stderr
        r = CliRun.of("ask");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("Missing required parameters: 'DIR', 'QUESTION'"), r.err());
        assertTrue(r.err().contains("Usage: memorag ask"), r.err());
    }

    @Test
    void aBrokenManifestNamesFileLineAndColumn() throws IOException {
        Path save = GoldenSaves.copy("v2-rag-dense", tmp.resolve("book.memory"));
        Path manifest = save.resolve("manifest.json");
        String text = Files.readString(manifest);
        Files.writeString(manifest, text.replaceFirst("\"format_version\" : 2,", "\"format_version\" : 2,,"));
        String where = manifest.toAbsolutePath().normalize() + ": not valid JSON at line 2, column 24: Unexpected "
                + "character (',' (code 44)): was expecting double-quote to start field name (the file was edited "
                + "or damaged; re-memorise to write it again)";

        CliRun r = CliRun.of("recall", save.toString(), "Who?");
        assertEquals(1, r.code());
        assertEquals("error: " + where, r.err().strip());

        r = CliRun.of("info", save.toString(), "--json");
        assertEquals(1, r.code());
        JsonNode e = error(r);
        assertEquals("corrupt_data", e.get("type").asText());
        assertEquals(where, e.get("message").asText());
        assertFalse(r.out().contains("REDACTED") || r.out().contains("StreamReadFeature"), r.out());
    }

    @Test
    void errorTypesAreTheExceptionKindsInSnakeCase() {
        assertEquals("invalid_input", ErrorHandler.type(InvalidInputException.class));
        assertEquals("corrupt_data", ErrorHandler.type(CorruptDataException.class));
        assertEquals("model_not_found", ErrorHandler.type(ModelNotFoundException.class));
        assertEquals("error", ErrorHandler.type(MemoRagException.class));
        assertTrue(ErrorHandler.asksForJson(new String[] {"ask", "x", "q", "--json"}));
        assertFalse(ErrorHandler.asksForJson(new String[] {"ask", "x", "--", "--json"}));
    }
}
