package dev.memorag.chunk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Chunk;
import dev.memorag.api.Document;
import dev.memorag.api.TokenCounter;
import dev.memorag.text.Cl100kTokenCounter;
import dev.memorag.testing.TestData;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TextChunkerTest {
    private static final TokenCounter CL100K = Cl100kTokenCounter.INSTANCE;
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private static String alice() throws IOException {
        return Files.readString(TestData.path("books/pg11_alice.txt"), StandardCharsets.UTF_8);
    }

    private static String chinese() throws IOException {
        return Files.readString(TestData.path("text/multifieldqa_zh_excerpt.txt"), StandardCharsets.UTF_8);
    }

    /** The invariants every split must satisfy; returns the chunks for further checks. */
    private static List<Chunk> checkInvariants(TextChunker chunker, String doc, String text) {
        List<Chunk> chunks = chunker.split(doc, text);
        int prevStart = -1;
        int prevEnd = 0;
        for (int i = 0; i < chunks.size(); i++) {
            Chunk c = chunks.get(i);
            assertEquals(doc + "#" + i, c.id());
            assertEquals(doc, c.documentId());
            assertEquals(c.text(), text.substring(c.start(), c.end()), "offsets of " + c.id());
            assertFalse(c.text().isBlank(), c.id());
            assertEquals(c.text().strip(), c.text(), "trimmed " + c.id());
            assertEquals(chunker.tokenCounter().count(c.text()), c.tokenCount(), "token count of " + c.id());
            assertTrue(c.tokenCount() <= chunker.chunkSize(), c.id() + " has " + c.tokenCount() + " tokens");
            assertTrue(c.start() > prevStart, "chunks advance: " + c.id());
            assertTrue(c.end() > prevEnd, "chunks end later: " + c.id());
            assertFalse(Character.isLowSurrogate(text.charAt(c.start())), "surrogate split at start of " + c.id());
            assertFalse(c.end() < text.length() && Character.isLowSurrogate(text.charAt(c.end())),
                    "surrogate split at end of " + c.id());
            if (chunker.overlap() == 0) {
                assertTrue(text.substring(prevEnd, c.start()).isBlank(), "only whitespace between chunks before "
                        + c.id());
            }
            prevStart = c.start();
            prevEnd = c.end();
        }
        assertTrue(text.substring(prevEnd).isBlank(), "text after the last chunk is whitespace");
        return chunks;
    }

    @Test
    void offsetsAndBudgetHoldOnARealBook() throws IOException {
        String book = alice();
        for (int size : new int[] {512, 128, 32}) {
            List<Chunk> chunks = checkInvariants(TextChunker.builder().chunkSize(size).build(), "alice", book);
            int total = chunks.stream().mapToInt(Chunk::tokenCount).sum();
            // the book is ~41K tokens; chunks must be reasonably full, not fragments
            assertTrue(chunks.size() < 2.0 * total / size + 50, size + ": " + chunks.size() + " chunks");
        }
    }

    @Test
    void defaultsAre512TokensWithoutOverlap() {
        TextChunker c = TextChunker.defaults();
        assertEquals(512, c.chunkSize());
        assertEquals(0, c.overlap());
        assertEquals(Cl100kTokenCounter.INSTANCE, c.tokenCounter());
    }

    @Test
    void endsChunksAtBlankLinesWhenTheyFit() {
        // three paragraphs of ~60 tokens, each with internal line breaks and sentences
        StringBuilder sb = new StringBuilder();
        for (int p = 0; p < 3; p++) {
            for (int line = 0; line < 3; line++) {
                sb.append("Paragraph ").append(p).append(" line ").append(line)
                        .append(" has a few words. Then another short sentence here.\n");
            }
            sb.append('\n');
        }
        String text = sb.toString();
        TextChunker chunker = TextChunker.builder().chunkSize(60).build();
        List<Chunk> chunks = checkInvariants(chunker, "d", text);
        assertTrue(CL100K.count(text) > 120, "test text must need several chunks");
        assertEquals(3, chunks.size());
        for (Chunk c : chunks) {
            assertTrue(text.startsWith("\n\n", c.end()) || c.end() == text.strip().length(),
                    c.id() + " ends at a blank line: " + c.text());
        }
    }

    @Test
    void fallsBackToLinesThenSentencesThenWords() {
        TextChunker chunker = TextChunker.builder().chunkSize(20).build();
        // one paragraph of lines: chunks end at line breaks
        String lines = "The first line is here.\nThe second line is here.\nThe third line is here.\n"
                + "The fourth line is here.\nThe fifth line is here.";
        for (Chunk c : checkInvariants(chunker, "l", lines)) {
            assertTrue(c.end() == lines.length() || lines.charAt(c.end()) == '\n', c.text());
        }
        // one line of sentences: chunks end with a sentence end
        String sentences = "One two three four five. Six seven eight nine ten! Eleven twelve thirteen fourteen? "
                + "Fifteen sixteen seventeen eighteen. Nineteen twenty twenty-one twenty-two.";
        List<Chunk> sc = checkInvariants(chunker, "s", sentences);
        assertTrue(sc.size() > 1);
        for (Chunk c : sc) {
            char last = c.text().charAt(c.text().length() - 1);
            assertTrue(last == '.' || last == '!' || last == '?', c.text());
        }
        // one sentence longer than the budget: chunks end between words
        String words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
                + "sigma tau upsilon phi chi psi omega alpha beta gamma delta epsilon zeta eta theta iota kappa";
        List<Chunk> wc = checkInvariants(chunker, "w", words);
        assertTrue(wc.size() > 1);
        for (Chunk c : wc) {
            assertTrue(c.end() == words.length() || words.charAt(c.end()) == ' ', c.text());
            assertTrue(c.start() == 0 || words.charAt(c.start() - 1) == ' ', c.text());
        }
    }

    @Test
    void sentenceEndsIncludeClosingQuotes() {
        TextChunker chunker = TextChunker.builder().chunkSize(16).build();
        String text = "\"Where are you going?\" she asked him quietly. \"Home,\" he said, \"and then out again.\" "
                + "She nodded at him slowly.";
        for (Chunk c : checkInvariants(chunker, "q", text)) {
            String t = c.text();
            assertTrue(t.endsWith(".") || t.endsWith("?\"") || t.endsWith(".\""), t);
        }
    }

    @Test
    void splitsChineseAtSentenceEnds() throws IOException {
        String zh = chinese();
        // 512 tokens: every chunk ends at a line break or a sentence end (。！？； possibly with a closing quote)
        List<Chunk> chunks = checkInvariants(TextChunker.defaults(), "zh", zh);
        assertTrue(chunks.size() > 5);
        for (Chunk c : chunks) {
            assertTrue(endsAtChineseBoundary(zh, c, "。！？；”’」』）》"), "chunk " + c.id() + " ends mid-sentence");
        }
        // 48 tokens: some clauses are longer than the budget and fall to characters, most cuts are still natural
        chunks = checkInvariants(TextChunker.builder().chunkSize(48).build(), "zh", zh);
        long natural = chunks.stream().filter(c -> endsAtChineseBoundary(zh, c, "。！？；”’」』）》，、：")).count();
        assertTrue(natural >= chunks.size() * 0.8, natural + " of " + chunks.size() + " cuts at boundaries");
    }

    private static boolean endsAtChineseBoundary(String text, Chunk c, String marks) {
        char next = c.end() < text.length() ? text.charAt(c.end()) : '\n';
        return next == '\n' || marks.indexOf(c.text().charAt(c.text().length() - 1)) >= 0;
    }

    @Test
    void chineseWithoutPunctuationFallsToCharacters() {
        String zh = "我们今天在南京大学召开全国美国文学研究会第十八届年会".repeat(40);
        List<Chunk> chunks = checkInvariants(TextChunker.builder().chunkSize(50).build(), "zh", zh);
        assertTrue(chunks.size() > 10);
        assertEquals(0, chunks.get(0).start());
        for (int i = 1; i < chunks.size(); i++) {
            assertEquals(chunks.get(i - 1).end(), chunks.get(i).start(), "contiguous");
        }
        assertEquals(zh.length(), chunks.get(chunks.size() - 1).end());
    }

    @Test
    void neverSplitsASurrogatePair() {
        // astral characters only: every cut must fall between two pairs
        String emoji = "\uD83D\uDE00\uD83D\uDE80\uD83C\uDF89\uD834\uDD1E".repeat(200);
        List<Chunk> chunks = checkInvariants(TextChunker.builder().chunkSize(9).build(), "e", emoji);
        assertTrue(chunks.size() > 20);
        for (Chunk c : chunks) {
            assertEquals(0, c.start() % 2, c.id());
            assertEquals(0, c.end() % 2, c.id());
        }
    }

    @Test
    void tenMegabyteLineWithoutSpacesFallsToCharacterSplits() throws IOException {
        // a realistic single line: the book with every whitespace run removed, repeated to 10 MB
        String squeezed = alice().replaceAll("\\s+", "");
        StringBuilder sb = new StringBuilder(10_000_000 + squeezed.length());
        while (sb.length() < 10_000_000) {
            sb.append(squeezed);
        }
        String text = sb.substring(0, 10_000_000);
        TextChunker chunker = TextChunker.defaults();
        long t0 = System.nanoTime();
        long c0 = CPU.getCurrentThreadCpuTime();
        List<Chunk> chunks = chunker.split("line", text);
        double seconds = (CPU.getCurrentThreadCpuTime() - c0) / 1e9;
        System.out.printf("TextChunker: 10 MB line without spaces -> %d chunks in %.2f s CPU (%.2f s wall)%n",
                chunks.size(), seconds, (System.nanoTime() - t0) / 1e9);
        assertEquals(0, chunks.get(0).start());
        for (int i = 0; i < chunks.size(); i++) {
            Chunk c = chunks.get(i);
            assertTrue(c.tokenCount() <= 512);
            if (i > 0) {
                assertEquals(chunks.get(i - 1).end(), c.start(), "contiguous at " + i);
            }
            if (i < chunks.size() - 1) {
                assertTrue(c.tokenCount() >= 480, "character splits fill the budget: " + c.tokenCount());
            }
        }
        assertEquals(text.length(), chunks.get(chunks.size() - 1).end());
        // spot-check offsets and exact counts (re-counting all 10 MB would take longer than chunking it)
        for (int i = 0; i < chunks.size(); i += 97) {
            Chunk c = chunks.get(i);
            assertEquals(c.text(), text.substring(c.start(), c.end()));
            assertEquals(CL100K.count(c.text()), c.tokenCount(), "token count of " + c.id());
        }
        assertTrue(seconds < 30, "10 MB took " + seconds + " s");
    }

    @Test
    void characterSplitsKeepExactCounts() throws IOException {
        // every chunk re-counted: the character-level path reuses the cut's own token count
        String squeezed = alice().replaceAll("\\s+", ""); // 132K chars
        for (int size : new int[] {512, 100, 9}) {
            List<Chunk> chunks = checkInvariants(TextChunker.builder().chunkSize(size).build(), "sq", squeezed);
            for (int i = 1; i < chunks.size(); i++) {
                assertEquals(chunks.get(i - 1).end(), chunks.get(i).start());
            }
        }
        // leading whitespace in an oversized piece: counts are of the trimmed text
        String padded = " ".repeat(50) + "x".repeat(30_000);
        checkInvariants(TextChunker.builder().chunkSize(64).build(), "pad", padded);
    }

    @Test
    void oneMillionCharactersIsFast() throws IOException {
        String book = alice();
        StringBuilder sb = new StringBuilder(1_100_000);
        while (sb.length() < 1_000_000) {
            sb.append(book).append("\n\n");
        }
        String text = sb.substring(0, 1_000_000);
        TextChunker chunker = TextChunker.defaults();
        chunker.split("warmup", book); // JIT warm-up on a different text
        long t0 = System.nanoTime();
        long c0 = CPU.getCurrentThreadCpuTime();
        List<Chunk> chunks = chunker.split("big", text);
        // CPU time of this thread: the machine running the tests may be shared with other jobs
        double seconds = (CPU.getCurrentThreadCpuTime() - c0) / 1e9;
        System.out.printf("TextChunker: 1M characters -> %d chunks in %.3f s CPU (%.3f s wall)%n", chunks.size(),
                seconds, (System.nanoTime() - t0) / 1e9);
        assertTrue(chunks.size() > 400);
        // lenient bound: CI shares two cores with other jobs; typical is well under one second
        assertTrue(seconds < 3, "1M characters took " + seconds + " s");
    }

    @Test
    void overlapRepeatsAboutTheRequestedTokensOnWordBoundaries() throws IOException {
        String book = alice().substring(0, 40_000);
        TextChunker chunker = TextChunker.builder().chunkSize(128).overlap(32).build();
        List<Chunk> chunks = checkInvariants(chunker, "o", book);
        int overlapping = 0;
        for (int i = 1; i < chunks.size(); i++) {
            Chunk prev = chunks.get(i - 1);
            Chunk c = chunks.get(i);
            assertTrue(c.end() > prev.end());
            if (c.start() < prev.end()) {
                overlapping++;
                assertTrue(Character.isWhitespace(book.charAt(c.start() - 1)), "starts after whitespace: " + c.id());
                int repeated = CL100K.count(book.substring(c.start(), prev.end()));
                assertTrue(repeated <= 32 + 4, c.id() + " repeats " + repeated + " tokens");
            }
        }
        assertTrue(overlapping > chunks.size() / 2, overlapping + " of " + chunks.size() + " chunks overlap");
    }

    @Test
    void deterministic() throws IOException {
        String book = alice();
        TextChunker chunker = TextChunker.builder().chunkSize(200).overlap(20).build();
        assertEquals(chunker.split("a", book), chunker.split("a", book));
    }

    @Test
    void customTokenCounterIsHonoured() {
        // one token per character: the generic (non-cl100k) search path must also fill the budget exactly
        TokenCounter perChar = String::length;
        TextChunker chunker = TextChunker.builder().chunkSize(50).tokenCounter(perChar).build();
        String text = "x".repeat(1234);
        List<Chunk> chunks = checkInvariants(chunker, "c", text);
        assertEquals(25, chunks.size());
        assertEquals(50, chunks.get(0).tokenCount());
        assertEquals(34, chunks.get(24).tokenCount());
        // words: never more than 50 characters, cut at spaces
        Random rnd = new Random(7);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            sb.append("abcdefghij", 0, 1 + rnd.nextInt(10)).append(' ');
        }
        String words = sb.toString();
        for (Chunk c : checkInvariants(chunker, "w", words)) {
            assertTrue(c.end() == words.length() || words.charAt(c.end()) == ' ');
        }
    }

    @Test
    void splitsDocuments() {
        List<Chunk> chunks = TextChunker.defaults().split(new Document("doc-7", "One. Two."));
        assertEquals(List.of(new Chunk("doc-7#0", "doc-7", "One. Two.", 0, 9, CL100K.count("One. Two."))), chunks);
    }

    @Test
    void emptyAndBlankTextGiveNoChunks() {
        assertEquals(List.of(), TextChunker.defaults().split("d", ""));
        assertEquals(List.of(), TextChunker.defaults().split("d", " \n\n\t  \r\n"));
    }

    @Test
    void whitespaceOnlyPiecesProduceNoChunk() {
        String text = "Hello there.\n\n\n\n          \n\n\nGeneral Kenobi.";
        List<Chunk> chunks = checkInvariants(TextChunker.builder().chunkSize(8).build(), "w", text);
        assertEquals(List.of("Hello there.", "General Kenobi."), chunks.stream().map(Chunk::text).toList());
    }

    @Test
    void badValuesNameTheField() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> TextChunker.builder().chunkSize(0).build());
        assertTrue(e.getMessage().contains("chunkSize") && e.getMessage().contains("0"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> TextChunker.builder().overlap(-1).build());
        assertTrue(e.getMessage().contains("overlap") && e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> TextChunker.builder().chunkSize(64).overlap(64).build());
        assertTrue(e.getMessage().contains("overlap") && e.getMessage().contains("64"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> TextChunker.builder().tokenCounter(null).build());
        assertTrue(e.getMessage().contains("tokenCounter"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> TextChunker.defaults().split("", "text"));
        assertTrue(e.getMessage().contains("documentId"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> TextChunker.defaults().split("d", null));
        assertTrue(e.getMessage().contains("text"), e.getMessage());
    }
}
