import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the README's example on Alice in Wonderland (src-test-data), offline, and checks the evidence it prints. */
class QuickstartTest {
    @Test
    void printsThePassageThatAnswers(@TempDir Path tmp) throws Exception {
        // The first two chapters keep the run short (the whole book takes about 25 s to embed on two cores).
        String alice = Files.readString(Path.of(System.getProperty("memorag.book")));
        Path book = Files.writeString(tmp.resolve("alice.txt"), alice.substring(0, alice.indexOf("CHAPTER III.")));
        Path save = tmp.resolve("alice.memory");
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Quickstart.main(new String[] {book.toString(), save.toString()});
        } finally {
            System.setOut(stdout);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        stdout.print(out);
        List<String> lines = out.lines().toList();
        assertTrue(lines.size() >= 1, "no evidence printed:\n" + out);
        for (String line : lines) {
            assertTrue(line.matches("\\[\\d+\\.\\.\\d+] -?\\d+[.,]\\d{3} \\S.*"),
                    "not an evidence line: " + line);
        }
        // The bottle in chapter I is labelled "DRINK ME".
        assertTrue(out.contains("DRINK ME"), "the answering passage is not in the evidence:\n" + out);
        assertTrue(Files.isDirectory(save), "nothing saved in " + save);
    }
}
