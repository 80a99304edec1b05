package dev.memorag.memory.lite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.FinishReason;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Generator;
import dev.memorag.api.Language;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.TokenListener;
import dev.memorag.api.TokenUsage;
import dev.memorag.prompt.Prompts;
import dev.memorag.text.Cl100kTokenCounter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GistMemoryModelTest {
    @TempDir
    Path dir;

    /** Gists a chunk as "gist#N"; answers with the number of messages it saw. */
    static final class Recorder implements Generator {
        final List<List<ChatMessage>> calls = new ArrayList<>();
        final List<GenerationOptions> options = new ArrayList<>();

        @Override
        public GenerationResult generate(List<ChatMessage> messages, GenerationOptions o, TokenListener listener) {
            calls.add(messages);
            options.add(o);
            return new GenerationResult(" gist#" + calls.size() + " ", FinishReason.STOP, TokenUsage.ZERO);
        }
    }

    static String longText() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            sb.append("Sentence number ").append(i).append(" tells part of the story. ");
        }
        return sb.toString();
    }

    @Test
    void splitsIntoChunksGistsThemAndAnswersFromTheGists() {
        Recorder gen = new Recorder();
        Prompts en = Prompts.forLanguage(Language.EN);
        String text = longText();
        int tokens = Cl100kTokenCounter.INSTANCE.count(text);
        try (GistMemoryModel m = GistMemoryModel.builder().generator(gen).build()) {
            List<String> chunks = m.split(text);
            assertEquals((tokens + 4095) / 4096, chunks.size());
            assertEquals(text, String.join("", chunks));
            List<Long> progress = new ArrayList<>();
            m.memorize(text, en, (s, d, t) -> progress.add(d));
            assertEquals(chunks.size(), gen.calls.size());
            assertEquals(en.gist(chunks.get(0)), gen.calls.get(0).get(0).content());
            assertEquals(512, gen.options.get(0).maxNewTokens());
            assertEquals(1.2, gen.options.get(0).repetitionPenalty());
            assertTrue(gen.options.get(0).isGreedy());
            assertEquals(chunks.size(), progress.size());
            List<String> expected = new ArrayList<>();
            for (int i = 1; i <= chunks.size(); i++) {
                expected.add("gist#" + i);
            }
            assertEquals(expected, m.gists());

            m.instruct("What happened?", GenerationOptions.greedy(128), TokenListener.NONE);
            List<ChatMessage> conv = gen.calls.get(gen.calls.size() - 1);
            assertEquals(3, conv.size());
            assertEquals(en.contextTurn(String.join("\n\n", m.gists())), conv.get(0).content());
            assertEquals(ChatMessage.Role.ASSISTANT, conv.get(1).role());
            assertEquals("What happened?", conv.get(2).content());
            assertEquals(tokens, m.stats().tokensRead());
        }
    }

    @Test
    void stateRoundTripsAndRejectsDamage() throws IOException {
        Recorder gen = new Recorder();
        try (GistMemoryModel m = GistMemoryModel.builder().generator(gen).build()) {
            m.memorize("A short story about a castle and a flood.", Prompts.forLanguage(Language.EN),
                    ProgressListener.NONE);
            m.saveState(dir);
        }
        try (GistMemoryModel m = GistMemoryModel.builder().generator(new Recorder()).build()) {
            assertThrows(StateException.class,
                    () -> m.instruct("q", GenerationOptions.greedy(8), TokenListener.NONE));
            m.loadState(dir);
            assertEquals(List.of("gist#1"), m.gists());
            Files.writeString(dir.resolve(GistMemoryModel.STATE_FILE), "{\"format\":\"memorag-gist-memory\","
                    + "\"version\":1,\"gists\":[1]}");
            CorruptDataException e = assertThrows(CorruptDataException.class, () -> m.loadState(dir));
            assertTrue(e.getMessage().contains("gists"), e.getMessage());
            Files.writeString(dir.resolve(GistMemoryModel.STATE_FILE), "{\"format\":\"memorag-gist");
            assertThrows(CorruptDataException.class, () -> m.loadState(dir));
            assertThrows(InvalidInputException.class, () -> m.memorize(" ", Prompts.forLanguage(Language.EN),
                    ProgressListener.NONE));
        }
    }

    @Test
    void prefillMemoryAnswersFromTheCachedGists() {
        Recorder gen = new Recorder();
        dev.memorag.memory.MemoryTest.ScriptedModel cache = new dev.memorag.memory.MemoryTest.ScriptedModel();
        cache.reply = "from cache";
        try (GistMemoryModel m = GistMemoryModel.builder().generator(gen).prefill(cache).build()) {
            m.memorize("A short story about a castle.", Prompts.forLanguage(Language.EN), ProgressListener.NONE);
            assertEquals("gist#1", cache.memorised);
            assertEquals("from cache", m.instruct("q?", GenerationOptions.greedy(8), TokenListener.NONE).text());
            assertEquals(1, gen.calls.size());
            m.saveState(dir);
            assertTrue(Files.exists(dir.resolve("fake.state")));
        }
    }
}
