package dev.memorag.bench;

import dev.memorag.cli.CliRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalRetrievalCommandTest {
    static Path write(Path dir, String name, String content) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    static final String CORPUS = """
            {"id":"p1","title":"Kyoto","text":"Kyoto was the capital of Japan for a thousand years."}
            {"id":"p2","title":"Turtle","text":"Urashima rescued a turtle near the sea."}
            {"id":"p3","title":"Mount Fuji","text":"Fuji is the highest mountain in Japan."}
            """;

    @Test
    void bm25ReportHasTheIssueShape(@TempDir Path dir) throws Exception {
        Path corpus = write(dir, "c.jsonl", CORPUS);
        Path qs = write(dir, "q.jsonl", """
                {"id":"q1","question":"Which city was the capital of Japan?","gold_passage_ids":["p1"]}
                {"id":"q2","question":"Who rescued a turtle?","gold_passage_ids":["p2","p3"]}
                """);
        Path out = dir.resolve("report.json");
        CliRun r = CliRun.of("eval", "retrieval", "--corpus", corpus.toString(), "--questions", qs.toString(),
                "--retriever", "bm25", "--k", "1,2", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("bm25", j.get("retriever").asText());
        assertTrue(j.get("embedder").isNull());
        assertEquals(2, j.get("questions").asInt());
        assertEquals((1.0 + 0.5) / 2, j.get("recall").get("1").asDouble(), 1e-9);
        assertTrue(j.has("seconds"));
        assertEquals(j, new ObjectMapper().readTree(Files.readString(out)));
    }

    @Test
    void badCorpusLineNamesTheLineNumber(@TempDir Path dir) throws Exception {
        Path corpus = write(dir, "c.jsonl", CORPUS + "{\"id\":\"p4\", oops\n");
        Path qs = write(dir, "q.jsonl", "{\"question\":\"x\",\"gold_passage_ids\":[\"p1\"]}\n");
        CliRun r = CliRun.of("eval", "retrieval", "--corpus", corpus.toString(), "--questions", qs.toString(),
                "--retriever", "bm25");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("line 4") && r.err().contains(corpus.toString()), r.err());
    }

    @Test
    void emptyCorpusAndEmptyQueryAreRejected(@TempDir Path dir) throws Exception {
        Path empty = write(dir, "empty.jsonl", "\n");
        Path qs = write(dir, "q.jsonl", "{\"question\":\"  \",\"gold_passage_ids\":[\"p1\"]}\n");
        CliRun r = CliRun.of("eval", "retrieval", "--corpus", empty.toString(), "--questions", qs.toString(),
                "--retriever", "bm25");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("empty"), r.err());
        Path corpus = write(dir, "c.jsonl", CORPUS);
        CliRun q = CliRun.of("eval", "retrieval", "--corpus", corpus.toString(), "--questions", qs.toString(),
                "--retriever", "bm25");
        assertEquals(1, q.code());
        assertTrue(q.err().contains("record 1") && q.err().contains("'question'"), q.err());
    }

    @Test
    void bookqaSectionRecall(@TempDir Path dir) throws Exception {
        String book = "Kintaro lived in the mountains. ".repeat(40) + "Urashima rescued a turtle by the sea. ".repeat(40);
        Path b = write(dir, "book.txt", book);
        int start = book.indexOf("Urashima");
        Path qs = write(dir, "q.jsonl", "{\"question\":\"Who rescued a turtle?\",\"gold_sections\":[{\"char_start\":"
                + start + ",\"char_end\":" + book.length() + "}]}\n");
        CliRun r = CliRun.of("eval", "bookqa", "--book", b.toString(), "--questions", qs.toString(),
                "--retriever", "bm25", "--chunk-chars", "400", "--chunk-step", "300");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(1.0, j.get("recall").get("1").asDouble());
        assertEquals("400 chars", j.get("chunk_size").asText());
        assertEquals(EvalBookqaCommand.byTokens(book, 50).stream().mapToInt(c -> c.end() - c.start()).sum(),
                book.length());
    }
}
