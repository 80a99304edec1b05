package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ctrl-C: one line that says what was kept, exit status 130, and the save untouched. */
class InterruptTest {
    @TempDir
    Path tmp;

    @AfterEach
    void noCommandRunning() {
        Interruption.end();
    }

    @Test
    void theHookReportsWhatTheRunningCommandSaid() {
        assertNull(Interruption.message(), "no command running: nothing to say");
        Interruption.start();
        assertEquals("interrupted; nothing was written", Interruption.message());
        Interruption.report("book.memory keeps its previous save unchanged");
        assertEquals("interrupted; book.memory keeps its previous save unchanged", Interruption.message());
        assertNull(Interruption.message(), "said once");
        Interruption.report("the demo's temporary save was deleted", () -> " except /tmp/x (busy): delete it by hand");
        assertEquals("interrupted; the demo's temporary save was deleted except /tmp/x (busy): delete it by hand",
                Interruption.message());
        Interruption.start();
        Interruption.end();
        assertNull(Interruption.message(), "a command that ended says nothing when the JVM exits");
    }

    @Test
    void theMessageStartsOnALineOfItsOwnAfterABar() {
        java.io.StringWriter sink = new java.io.StringWriter();
        ProgressBar bar = new ProgressBar(new java.io.PrintWriter(sink), ProgressBar.Style.BAR,
                ProgressBar.Unit.COUNT);
        bar.onProgress("embed", 3, 10);
        Interruption.start();
        Interruption.showing(bar);
        assertEquals("interrupted; nothing was written", Interruption.message());
        assertTrue(sink.toString().endsWith("3 / 10 (30%)" + System.lineSeparator()), sink.toString());
    }

    /**
     * A real {@code memorag memorize --replace} over an existing save, in its own JVM, interrupted with SIGINT while
     * it embeds the book.
     */
    @Test
    void ctrlCDuringMemorizeKeepsThePreviousSave() throws Exception {
        assumeTrue(!System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("win"), "needs kill -INT");
        Path small = Files.writeString(tmp.resolve("small.txt"), "Alice was beginning to get very tired of sitting "
                + "by her sister on the bank, and of having nothing to do.");
        Path save = tmp.resolve("book.memory");
        assertEquals(0, CliRun.withStdout("memorize", small.toString(), "--save", save.toString(), "-q").code());
        Map<String, String> before = DirectoryContents.snapshot(save);
        Path book = Files.writeString(tmp.resolve("book.txt"), DemoCommand.readBook());

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "-DHF_HUB_OFFLINE=1", MemoragCli.class.getName(), "memorize", book.toString(), "--save",
                save.toString(), "--replace", "--plain-progress").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        List<String> err = new ArrayList<>();
        CountDownLatch embedding = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (err) {
                        err.add(line);
                    }
                    if (line.startsWith("embed")) {
                        embedding.countDown();
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        reader.start();
        try {
            assertTrue(embedding.await(120, TimeUnit.SECONDS), "no embedding progress: " + err);
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "still running after SIGINT");
        } finally {
            p.destroyForcibly();
        }
        reader.join(10_000);
        synchronized (err) {
            assertEquals(130, p.exitValue(), String.join("\n", err));
            assertEquals("interrupted; " + save + " keeps its previous save unchanged", err.get(err.size() - 1),
                    String.join("\n", err));
        }
        assertEquals(before, DirectoryContents.snapshot(save), "the save is untouched");

        // The next write removes what the interrupted one left (its temporary sibling, its lock file).
        CliRun again = CliRun.withStdout("memorize", small.toString(), "--save", save.toString(), "--replace", "-q");
        assertEquals(0, again.code(), again.err());
        assertEquals(List.of("book.memory", "book.txt", "small.txt"), DirectoryContents.listing(tmp));
    }
}
