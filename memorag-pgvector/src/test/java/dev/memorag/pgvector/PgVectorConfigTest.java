package dev.memorag.pgvector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.InvalidInputException;
import dev.memorag.retrieval.chunks.HybridFusion;
import dev.memorag.retrieval.chunks.SubWindows;
import dev.memorag.spi.ProviderOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Options, URL checks and password lookup; no server needed. */
class PgVectorConfigTest {
    static final String URL = "jdbc:postgresql://db.example:6543/rag?user=alice";

    @Test
    void optionsMapOntoTheConfig() {
        PgVectorConfig c = PgVectorConfig.fromOptions(new ProviderOptions(Map.of("url", URL, "schema", "tenant_a",
                "namespace", "book_1", "search", "dense", "windows", "false", "fusion", "rrf", "hnsw_m", "8",
                "ef_search", "100")));
        assertEquals(URL, c.url());
        assertEquals("tenant_a", c.schema());
        assertEquals("book_1", c.namespace());
        assertEquals(PgVectorConfig.Search.DENSE, c.search());
        assertEquals(SubWindows.NONE, c.windows());
        assertEquals(HybridFusion.Method.RRF, c.fusion().method());
        assertEquals(0.5, c.fusion().denseWeight());
        assertEquals(8, c.hnswM());
        assertEquals(100, c.efSearch());
        PgVectorConfig d = PgVectorConfig.builder(URL).build();
        assertEquals(PgVectorConfig.Search.HYBRID, d.search());
        assertEquals(HybridFusion.DEFAULT, d.fusion());
        assertEquals(SubWindows.DEFAULT, d.windows());
    }

    @Test
    void badValuesAreNamed() {
        var noUrl = assertThrows(InvalidInputException.class, () -> PgVectorConfig.fromOptions(ProviderOptions.EMPTY));
        assertTrue(noUrl.getMessage().contains("'url'"), noUrl.getMessage());
        var pw = assertThrows(InvalidInputException.class,
                () -> PgVectorConfig.builder(URL + "&password=hunter2").build());
        assertTrue(pw.getMessage().contains("password") && !pw.getMessage().contains("hunter2"), pw.getMessage());
        var ns = assertThrows(InvalidInputException.class, () -> PgVectorConfig.builder(URL).namespace("x; drop").build());
        assertTrue(ns.getMessage().contains("'namespace'") && ns.getMessage().contains("x; drop"), ns.getMessage());
        assertThrows(InvalidInputException.class, () -> PgVectorConfig.builder("jdbc:mysql://h/db").build());
        var m = assertThrows(InvalidInputException.class, () -> PgVectorConfig.fromOptions(new ProviderOptions(
                Map.of("url", URL, "search", "sparse"))));
        assertTrue(m.getMessage().contains("sparse"), m.getMessage());
        assertThrows(InvalidInputException.class, () -> PgVectorConfig.builder(URL).efSearch(0).build());
        assertThrows(InvalidInputException.class, () -> PgVectorConfig.builder(URL).textSearchConfig("x'y").build());
    }

    @Test
    void passwordComesFromTheEnvironmentThenPgpass(@TempDir Path dir) throws Exception {
        Path pgpass = dir.resolve("pgpass");
        Files.writeString(pgpass, "# comment\nother.host:*:*:*:nope\ndb.example:6543:rag:alice:s3cr\\:et\n");
        Map<String, String> env = Map.of("PGPASSFILE", pgpass.toString());
        assertEquals(Optional.of("s3cr:et"), PgPasswords.find(URL, env::get, dir.resolve("none")));
        assertEquals(Optional.empty(), PgPasswords.find(URL.replace("alice", "bob"), env::get, dir.resolve("none")));
        Map<String, String> both = Map.of("PGPASSFILE", pgpass.toString(), "PGPASSWORD", "from-libpq-env");
        assertEquals(Optional.of("from-libpq-env"), PgPasswords.find(URL, both::get, dir.resolve("none")));
        Map<String, String> ours = Map.of("PGPASSWORD", "from-libpq-env", PgPasswords.ENV, "ours");
        assertEquals(Optional.of("ours"), PgPasswords.find(URL, ours::get, dir.resolve("none")));
        assertEquals(Optional.empty(), PgPasswords.find(URL, k -> null, dir.resolve("none")));
        assertFalse(PgPasswords.redact(URL + "&password=x").contains("=x"));
    }
}
