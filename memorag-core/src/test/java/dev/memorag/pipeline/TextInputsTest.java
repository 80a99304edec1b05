package dev.memorag.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Document;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextInputsTest {
    @TempDir
    Path tmp;

    @Test
    void readsUtf8AndSkipsTheByteOrderMark() throws IOException {
        Path f = tmp.resolve("bom.txt");
        byte[] body = "Grüße, 世界".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[body.length + 3];
        bytes[0] = (byte) 0xEF;
        bytes[1] = (byte) 0xBB;
        bytes[2] = (byte) 0xBF;
        System.arraycopy(body, 0, bytes, 3, body.length);
        Files.write(f, bytes);
        assertEquals("Grüße, 世界", TextInputs.readUtf8(f));
    }

    @Test
    void emptyFileIsAClearError() throws IOException {
        Path f = Files.writeString(tmp.resolve("empty.txt"), "");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> TextInputs.readUtf8(f));
        assertEquals(f + " is empty: there is nothing to memorise", e.getMessage());
    }

    @Test
    void invalidUtf8NamesFileAndByteOffset() throws IOException {
        Path f = tmp.resolve("latin1.txt");
        Files.write(f, "caf\u00e9 au lait".getBytes(StandardCharsets.ISO_8859_1));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> TextInputs.readUtf8(f));
        assertEquals(f + " is not valid UTF-8: malformed bytes at byte offset 3 (binary file, or another encoding "
                + "such as Latin-1: convert it to UTF-8)", e.getMessage());
    }

    @Test
    void binaryFileIsAClearError() throws IOException {
        Path f = tmp.resolve("image.png");
        Files.write(f, new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13});
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> TextInputs.readUtf8(f));
        assertEquals(f + " is not valid UTF-8: malformed bytes at byte offset 0 (binary file, or another encoding "
                + "such as Latin-1: convert it to UTF-8)", e.getMessage());
        Path nul = tmp.resolve("nul.bin");
        Files.write(nul, new byte[] {'a', 'b', 0, 'c'});
        assertEquals(nul + " looks binary: NUL character at character offset 2",
                assertThrows(InvalidInputException.class, () -> TextInputs.readUtf8(nul)).getMessage());
    }

    @Test
    void missingFileIsAClearError() {
        Path f = tmp.resolve("nope.txt");
        assertEquals("file not found: " + f,
                assertThrows(InvalidInputException.class, () -> TextInputs.readUtf8(f)).getMessage());
    }

    @Test
    void tenMegabyteLineWithoutSpacesIsRejectedQuickly() {
        String line = "Once upon a time. " + "x".repeat(10 * 1024 * 1024);
        long t0 = System.nanoTime();
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> TextInputs.requireText("document 'blob'", line));
        assertEquals("document 'blob' is not prose: more than 10000 characters without a space or punctuation "
                + "starting at character offset 18 (minified data, base64 or a dump?); split or clean it before "
                + "memorising", e.getMessage());
        assertEquals(true, System.nanoTime() - t0 < 2_000_000_000L, "the check is a linear scan");
    }

    @Test
    void longChineseWithPunctuationIsProse() {
        String zh = "林黛玉进贾府，王熙凤的笑声先到。".repeat(100_000);
        TextInputs.requireText("zh", zh);
    }

    @Test
    void documentsAreValidatedTogether() {
        assertEquals("no documents given: there is nothing to memorise",
                assertThrows(InvalidInputException.class, () -> TextInputs.requireDocuments(List.of(), Set.of()))
                        .getMessage());
        assertEquals("duplicate document id 'a'", assertThrows(InvalidInputException.class,
                () -> TextInputs.requireDocuments(List.of(new Document("a", "x y"), new Document("a", "z")),
                        Set.of())).getMessage());
    }
}
