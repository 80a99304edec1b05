package dev.memorag.bench;

import dev.memorag.cli.CliRun;
import dev.memorag.cli.MemoragCli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GraphCommandsTest {

    @Test
    void benchPprPrintsAJsonReport() throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = MemoragCli.commandLine().execute("bench", "ppr", "--nodes", "2000", "--edges", "10000", "--queries",
                    "2", "--warmup", "1", "--json");
        } finally {
            System.setOut(old);
        }
        assertEquals(0, rc);
        JsonNode r = new ObjectMapper().readTree(buf.toString(StandardCharsets.UTF_8));
        assertEquals("ppr", r.get("benchmark").asText());
        assertEquals(2000, r.get("nodes").asInt());
        assertTrue(r.get("sweeps_per_query").asInt() > 0);
        assertTrue(r.get("mean_ms").asDouble() >= 0);
    }

    @Test
    void evalRetrievalGraphNeedsTheOpenIeFile(@TempDir Path dir) throws Exception {
        CommandLine cl = MemoragCli.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        Path corpus = dir.resolve("corpus.jsonl");
        Files.writeString(corpus, "{\"id\":\"a\",\"title\":\"T\",\"text\":\"x\"}\n");
        Path questions = dir.resolve("q.jsonl");
        Files.writeString(questions, "{\"question\":\"q?\",\"gold_passage_ids\":[\"a\"]}\n");
        int rc = cl.execute("eval", "retrieval", "--corpus", corpus.toString(), "--questions", questions.toString(),
                "--retriever", "graph", "--embedder", "bge-small-en-v1.5-q");
        assertEquals(1, rc);
        assertTrue(err.toString().contains("--retriever graph needs --openie FILE"), err.toString());
        err.getBuffer().setLength(0);
        rc = cl.execute("eval", "retrieval", "--corpus", corpus.toString(), "--questions", questions.toString(),
                "--retriever", "graph", "--openie", dir.resolve("missing.json").toString());
        assertEquals(1, rc);
        assertTrue(err.toString().contains("OpenIE file not found") && err.toString().contains("missing.json"),
                err.toString());
    }
}
