package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.testing.LoopbackHub;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ModelsCommandTest {
    private static final String COMMIT = "89abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path tmp;

    private Path hubCache;
    private Path snapshot;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void writeCache() throws IOException {
        // A cache as the Python tools leave it: refs/main -> commit, snapshots/<commit>/<files>.
        hubCache = tmp.resolve("hub");
        Path repo = hubCache.resolve("models--tiny-org--tiny-model");
        snapshot = Files.createDirectories(repo.resolve("snapshots").resolve(COMMIT));
        Files.writeString(snapshot.resolve("config.json"), "{}");
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), COMMIT);
    }

    private int run(String... args) {
        CommandLine cl = MemoragCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void resolvePrintsTheSnapshotDirectory() {
        int rc = run("models", "resolve", "tiny-org/tiny-model", "--cache-dir", hubCache.toString());

        assertEquals(0, rc, err.toString());
        assertEquals(snapshot.toString(), out.toString().trim());
    }

    @Test
    void resolveAcceptsACommitRevisionAndALocalDirectory() {
        assertEquals(0, run("models", "resolve", "tiny-org/tiny-model", "--revision", COMMIT,
                "--cache-dir", hubCache.toString()), err.toString());
        assertEquals(0, run("models", "resolve", snapshot.toString()), err.toString());

        assertEquals(snapshot + System.lineSeparator() + snapshot, out.toString().trim());
    }

    @Test
    void missingModelIsAOneLineErrorNamingTheCache() {
        int rc = run("models", "resolve", "tiny-org/other", "--cache-dir", hubCache.toString());

        assertEquals(1, rc);
        String message = err.toString().trim();
        assertTrue(message.startsWith("error: model tiny-org/other revision main is not in the cache "
                + hubCache.resolve("models--tiny-org--other")), message);
        assertEquals("", out.toString());
    }

    @Test
    void downloadFetchesFromTheHubWithProgress() throws IOException {
        byte[] weights = new byte[200_000];
        new Random(3).nextBytes(weights);
        Map<String, String> saved = new HashMap<>();
        try (LoopbackHub hub = new LoopbackHub()) {
            String commit = hub.addRepo("tiny-org/fresh", false);
            hub.addFile("tiny-org/fresh", "config.json", "{}".getBytes(StandardCharsets.UTF_8), false);
            hub.addFile("tiny-org/fresh", "model.safetensors", weights, true);
            hub.addFile("tiny-org/fresh", "pytorch_model.bin", weights, true);
            // The resolver reads HF_* system properties before the environment; Surefire sets HF_HUB_OFFLINE=1.
            setProperty(saved, "HF_HUB_OFFLINE", "0");
            setProperty(saved, "HF_ENDPOINT", hub.endpoint());
            setProperty(saved, "HF_TOKEN", "");

            int rc = run("models", "download", "tiny-org/fresh", "--include", "*.json", "--include", "*.safetensors",
                    "--cache-dir", hubCache.toString(), "--plain-progress");

            assertEquals(0, rc, err.toString());
            Path dir = hubCache.resolve("models--tiny-org--fresh/snapshots").resolve(commit);
            assertEquals(dir.toString(), out.toString().trim());
            assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model.safetensors")));
            assertFalse(Files.exists(dir.resolve("pytorch_model.bin")));
            assertTrue(err.toString().contains("download model.safetensors: 0 B / 195.3 KiB (0%)"), err.toString());
            assertTrue(err.toString().contains("download model.safetensors: 195.3 KiB / 195.3 KiB (100%)"),
                    err.toString());
        } finally {
            saved.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
        }
    }

    private static void setProperty(Map<String, String> saved, String name, String value) {
        saved.put(name, System.getProperty(name));
        System.setProperty(name, value);
    }

    @Test
    void downloadHonoursOfflineMode() {
        // Surefire sets -DHF_HUB_OFFLINE=1, which the resolver reads like the environment variable.
        int rc = run("models", "download", "tiny-org/other", "--include", "*.json",
                "--cache-dir", hubCache.toString());

        assertEquals(1, rc);
        assertTrue(err.toString().contains("offline"), err.toString());
    }

    @Test
    void versionAndHelpListTheModelsCommand() {
        assertEquals(0, run("--version"));
        assertTrue(out.toString().startsWith("memorag "), out.toString());
        assertEquals(0, run("models", "--help"));
        assertTrue(out.toString().contains("resolve") && out.toString().contains("download"), out.toString());
    }
}
