package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code memorag info}, {@code add} and {@code remove} on a copy of a golden save (the bundled embedder, no memory
 * model): what a user sees, what the save holds afterwards, and that nothing is left beside it.
 */
class InfoAddRemoveCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POEM = "'Twas brillig, and the slithy toves did gyre and gimble in the wabe: all "
            + "mimsy were the borogoves, and the mome raths outgrabe. The Jabberwock, with eyes of flame, came "
            + "whiffling through the tulgey wood, and burbled as it came!";

    @TempDir
    Path tmp;

    @Test
    void infoDescribesDocumentsComponentsFilesAndFormat() throws IOException {
        Path save = GoldenSaves.copy("v2-beacon-hybrid", tmp.resolve("alice.memory"));
        CliRun r = CliRun.withStdout("info", save.toString());
        assertEquals(0, r.code(), r.err());
        String abs = save.toAbsolutePath().normalize().toString();
        assertEquals(String.join(System.lineSeparator(),
                "save:        " + abs,
                "format:      version 2, written by memorag 0.1.0-SNAPSHOT at 2026-12-03T13:35:31.601Z",
                "language:    EN, chunks of up to 64 tokens",
                "documents:   1",
                "  alice  1,200 characters",
                "components:",
                "  memory model: beacon:beacon (no reference recorded: pass --memory-model when using the save)",
                "  embedder:     bge-small-en-v1.5-q, 384 dimensions",
                "  chunk index:  hybrid, 8 chunks, flat vectors",
                "  generator:    " + InfoCommand.GENERATOR_NOTE,
                "files:       8, 267,339 bytes",
                "  documents.json                        1,293",
                "  index/chunk-index.json                  397",
                "  index/chunks.jsonl                    2,052",
                "  index/vectors/flat-index.json           122",
                "  index/vectors/flat-index.vec         12,370",
                "  memory/memory.state                 249,460",
                "  pipeline.json                           394",
                "  manifest.json                         1,251",
                "checksums:   sizes checked; --verify also checks every sha256", ""), r.out());

        r = CliRun.withStdout("info", save.toString(), "--json", "--verify");
        assertEquals(0, r.code(), r.err());
        JsonNode n = JSON.readTree(r.out());
        assertEquals(abs, n.get("save").asText());
        assertEquals(2, n.get("format_version").asInt());
        assertEquals("alice", n.get("documents").get(0).get("id").asText());
        assertEquals(1200, n.get("documents").get(0).get("characters").asInt());
        JsonNode c = n.get("components");
        assertEquals("beacon:beacon", c.get("memory_model").get("id").asText());
        assertEquals("bge-small-en-v1.5-q", c.get("embedder").get("id").asText());
        assertEquals(384, c.get("embedder").get("dimension").asInt());
        assertEquals("hybrid", c.get("index").get("kind").asText());
        assertEquals(8, c.get("index").get("chunks").asInt());
        assertTrue(c.get("generator").isNull());
        assertEquals(8, n.get("files").size());
        assertEquals(249_460, n.get("files").get(5).get("size").asLong());
        assertEquals(267_339, n.get("total_bytes").asLong());
        assertTrue(n.get("checksums_verified").asBoolean());
    }

    @Test
    void addAndRemoveRewriteTheSaveAndLeaveNothingBesideIt() throws IOException {
        Path save = GoldenSaves.copy("v2-rag-dense", tmp.resolve("book.memory"));
        Path poem = Files.writeString(tmp.resolve("poem.txt"), POEM);

        CliRun r = CliRun.withStdout("add", save.toString(), poem.toString(), "--id", "jabberwocky", "--quiet");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err(), "--quiet shows no progress");
        assertTrue(r.out().startsWith("added jabberwocky to " + save + ": it now holds 2 document(s), "), r.out());
        assertEquals(List.of("book.memory", "poem.txt"), DirectoryContents.listing(tmp), "no .lock or .tmp left");

        r = CliRun.withStdout("info", save.toString(), "--json");
        JsonNode docs = JSON.readTree(r.out()).get("documents");
        assertEquals(2, docs.size());
        assertEquals("jabberwocky", docs.get(1).get("id").asText());
        assertEquals(POEM.length(), docs.get(1).get("characters").asInt());

        r = CliRun.withStdout("recall", save.toString(), "Through which wood did the Jabberwock come whiffling?",
                "--hits", "1", "--json", "--quiet");
        assertEquals(0, r.code(), r.err());
        assertEquals("jabberwocky", JSON.readTree(r.out()).get("evidence").get(0).get("document_id").asText());

        r = CliRun.withStdout("remove", save.toString(), "jabberwocky", "--quiet");
        assertEquals(0, r.code(), r.err());
        assertEquals("removed jabberwocky from " + save + ": it now holds 1 document(s), 8 chunks", r.out().strip());
        assertEquals(List.of("book.memory", "poem.txt"), DirectoryContents.listing(tmp));
        Map<String, String> after = DirectoryContents.snapshot(save);
        Map<String, String> golden = DirectoryContents.snapshot(TestData.path("saves/v2-rag-dense/save"));
        after.remove("manifest.json"); // its created_at differs
        golden.remove("manifest.json");
        assertEquals(golden.keySet(), after.keySet());
        assertEquals(golden.get("documents.json"), after.get("documents.json"), "back to the original document");
    }

    @Test
    void addAndRemoveRefuseBadRequestsBeforeLoadingAnything() throws IOException {
        Path save = GoldenSaves.copy("v2-rag-dense", tmp.resolve("book.memory"));
        Map<String, String> before = DirectoryContents.snapshot(save);
        Path poem = Files.writeString(tmp.resolve("alice"), POEM);
        Path other = Files.writeString(tmp.resolve("other.txt"), POEM);

        CliRun r = CliRun.of("add", save.toString(), poem.toString());
        assertEquals(1, r.code());
        assertEquals("error: document 'alice' is already in " + save + ": give the new one another id with --id, "
                + "or remove the old one first with 'memorag remove " + save + " alice'", r.err().strip());

        r = CliRun.of("add", save.toString(), poem.toString(), other.toString(), "--id", "x");
        assertEquals(1, r.code());
        assertEquals("error: --id names one document, but 2 files were given: add them one at a time, or drop "
                + "--id to use the file names", r.err().strip());

        r = CliRun.of("remove", save.toString(), "hatter");
        assertEquals(1, r.code());
        assertEquals("error: no document 'hatter' in " + save + "; it holds: alice", r.err().strip());

        r = CliRun.of("remove", save.toString(), "alice");
        assertEquals(1, r.code());
        assertEquals("error: cannot remove every document of " + save + " (a save cannot be empty): memorise new "
                + "text into it with 'memorag memorize FILE... --save " + save + " --replace'", r.err().strip());

        r = CliRun.of("remove", save.toString(), "hatter", "--json");
        assertEquals(1, r.code());
        assertEquals("invalid_input", JSON.readTree(r.out()).get("error").get("type").asText());

        assertEquals(before, DirectoryContents.snapshot(save));
    }
}
