package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --quiet} means no progress in every command, {@code --plain-progress} plain lines; a {@code --save} target
 * that cannot be written is refused before any model is loaded or any text embedded; the demo never prints the path
 * of its temporary save.
 */
class ProgressAndTargetTest {
    private static final String TEXT = "Alice was beginning to get very tired of sitting by her sister on the bank, and "
            + "of having nothing to do: once or twice she had peeped into the book her sister was reading, but it "
            + "had no pictures or conversations in it.";

    @TempDir
    Path tmp;

    @Test
    void quietShowsNoProgressAndPlainProgressShowsLines() throws IOException {
        Path file = Files.writeString(tmp.resolve("alice.txt"), TEXT);
        CliRun quiet = CliRun.withStdout("memorize", file.toString(), "--save", tmp.resolve("q").toString(), "-q");
        assertEquals(0, quiet.code(), quiet.err());
        assertEquals("", quiet.err());
        assertTrue(quiet.out().startsWith("memorised 1 document(s)"), quiet.out());

        CliRun plain = CliRun.withStdout("memorize", file.toString(), "--save", tmp.resolve("p").toString(),
                "--plain-progress");
        assertEquals(0, plain.code(), plain.err());
        assertTrue(plain.err().contains("chunk: ") && plain.err().contains("save: 3 / 3 (100%)"), plain.err());
        assertFalse(plain.err().contains("\r"), plain.err());
        assertEquals(List.of("alice.txt", "p", "q"), DirectoryContents.listing(tmp), "no lock files beside the saves");

        // models: the same two options (it used to read --quiet as "plain lines")
        CliRun help = CliRun.of("models", "download", "--help");
        assertTrue(help.out().contains("-q, --quiet") && help.out().contains("No progress output"), help.out());
        assertTrue(help.out().contains("--plain-progress"), help.out());
    }

    @Test
    void anUnwritableTargetIsRefusedBeforeAnyWork() throws IOException {
        Path file = Files.writeString(tmp.resolve("alice.txt"), TEXT);
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(home.resolve("notes.txt"), "keep me");
        CliRun r = CliRun.withStdout("memorize", file.toString(), "--save", home.toString(), "--plain-progress");
        assertEquals(1, r.code());
        assertEquals("error: save target " + home.toAbsolutePath().normalize() + " is a non-empty directory "
                + "without manifest.json (not a save); refusing to replace it: choose a new or empty directory "
                + "(--replace overwrites only an existing save)", r.err().strip(), "no progress line: no work done");
        r = CliRun.withStdout("memorize", file.toString(), "--save", home.toString(), "--replace", "--plain-progress");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: save target " + home.toAbsolutePath().normalize()), r.err());
        assertEquals("keep me", Files.readString(home.resolve("notes.txt")));

        Path save = tmp.resolve("alice.memory");
        assertEquals(0, CliRun.withStdout("memorize", file.toString(), "--save", save.toString(), "-q").code());
        Map<String, String> before = DirectoryContents.snapshot(save);
        r = CliRun.withStdout("memorize", file.toString(), "--save", save.toString(), "--plain-progress");
        assertEquals(1, r.code());
        assertEquals("error: " + save + " already holds a saved memory: pass --replace to overwrite it, or add "
                + "documents to it with 'memorag add " + save + " FILE...'", r.err().strip());
        assertEquals(before, DirectoryContents.snapshot(save));
    }

    @Test
    void theDemoDoesNotPrintThePathOfItsTemporarySave() throws IOException {
        CliRun r = CliRun.withStdout("demo", "--no-local-model", "--quiet", "--index", "bm25");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Memorised and saved to a temporary directory in "), r.out());
        assertTrue(r.out().contains("it is deleted when the demo ends (--save DIR keeps the save for "
                + "'memorag ask DIR ...')."), r.out());
        assertFalse(r.out().contains("memorag-demo"), r.out());

        Path kept = tmp.resolve("alice.memory");
        r = CliRun.withStdout("demo", "--no-local-model", "--quiet", "--index", "bm25", "--save", kept.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Memorised and saved to " + kept + " in "), r.out());
        assertTrue(Files.isRegularFile(kept.resolve("manifest.json")));
        assertEquals(List.of("alice.memory"), DirectoryContents.listing(tmp));
    }
}
