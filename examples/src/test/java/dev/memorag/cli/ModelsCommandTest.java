package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
