package dev.memorag.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.CancelledException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.api.CancellationToken;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.FinishReason;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Generator;
import dev.memorag.memory.lm.ModelFamily;
import dev.memorag.memory.lm.RandomCheckpoint;
import dev.memorag.memory.lm.RuntimeOptions;
import dev.memorag.memory.text.TextTokenizer;
import dev.memorag.spi.ProviderOptions;
import dev.memorag.spi.Providers;
import dev.memorag.testing.TestData;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalGeneratorTest {
    @TempDir
    static Path dir;
    static LocalGenerator gen;
    static final List<ChatMessage> CHAT = List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hello there"));

    @BeforeAll
    static void setUp() {
        long params = RandomCheckpoint.write(dir, ModelFamily.QWEN2, RandomCheckpoint.Shape.TINY, 7);
        assertTrue(params > 0);
        gen = LocalGenerator.builder().modelDirectory(dir)
                .runtimeOptions(RuntimeOptions.DEFAULT.withDevice(RuntimeOptions.DeviceChoice.CPU)).build();
    }

    @AfterAll
    static void tearDown() {
        gen.close();
        gen.close();
    }

    @Test
    void byteLevelTokenizerRoundTrips() {
        TextTokenizer tok = gen.tokenizer();
        String text = "héllo 世界\n<|im_end|>";
        int[] ids = tok.encode(text);
        assertEquals(RandomCheckpoint.IM_END, ids[ids.length - 1]);
        assertEquals("héllo 世界\n".getBytes(java.nio.charset.StandardCharsets.UTF_8).length, ids.length - 1);
        assertEquals(text, tok.decode(ids, false));
        assertEquals("héllo 世界\n", tok.decode(ids, true));
    }

    @Test
    void countsTokensWithItsOwnTokenizer() {
        // the byte-level test tokenizer has one token per UTF-8 byte
        assertEquals(5, gen.count("Hello"));
        assertEquals("né".getBytes(java.nio.charset.StandardCharsets.UTF_8).length, gen.count("né"));
        assertEquals(0, gen.count(""));
    }

    @Test
    void generatesTextAndStreamsIt() {
        StringBuilder streamed = new StringBuilder();
        GenerationResult r = gen.generate(CHAT, GenerationOptions.greedy(20), streamed::append);
        assertEquals(r.text(), streamed.toString());
        String prompt = gen.tokenizer().requireChatTemplate().render(CHAT, true);
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello there<|im_end|>\n"
                + "<|im_start|>assistant\n", prompt);
        assertEquals(gen.tokenizer().encode(prompt).length, r.usage().promptTokens());
        assertTrue(r.usage().completionTokens() > 0 && r.usage().completionTokens() <= 20);
        assertEquals(r.finishReason() == FinishReason.LENGTH, r.usage().completionTokens() == 20);
        assertEquals(4096, gen.contextTokens());
        // Greedy decoding is deterministic.
        assertEquals(r.text(), gen.generate(CHAT, GenerationOptions.greedy(20)).text());
    }

    @Test
    void samplingIsReproducibleBySeed() {
        GenerationOptions a = GenerationOptions.builder().maxNewTokens(16).temperature(1.0).topK(50).topP(0.95)
                .repetitionPenalty(1.1).seed(1L).build();
        String first = gen.generate(CHAT, a).text();
        assertEquals(first, gen.generate(CHAT, a).text());
        boolean differs = false;
        for (long s = 2; s < 6 && !differs; s++) {
            differs = !first.equals(gen.generate(CHAT, a.toBuilder().seed(s).build()).text());
        }
        assertTrue(differs, "different seeds should give different samples");
    }

    @Test
    void stopStringEndsGenerationBeforeIt() {
        GenerationResult full = gen.generate(CHAT, GenerationOptions.builder().maxNewTokens(30).temperature(1.0)
                .seed(3L).build());
        String text = full.text();
        assertTrue(text.length() >= 6, "need some text to pick a stop string from: " + text);
        String stop = text.substring(3, 5);
        int at = text.indexOf(stop);
        StringBuilder streamed = new StringBuilder();
        GenerationResult r = gen.generate(CHAT, GenerationOptions.builder().maxNewTokens(30).temperature(1.0)
                .seed(3L).stop(List.of(stop)).build(), streamed::append);
        assertEquals(text.substring(0, at), r.text());
        assertEquals(r.text(), streamed.toString());
        assertEquals(FinishReason.STOP, r.finishReason());
    }

    @Test
    void cancellationStopsGeneration() {
        CancellationToken token = new CancellationToken();
        token.cancel();
        assertThrows(CancelledException.class,
                () -> gen.generate(CHAT, GenerationOptions.builder().cancellation(token).build()));
        CancellationToken later = new CancellationToken();
        assertThrows(CancelledException.class, () -> gen.generate(CHAT,
                GenerationOptions.builder().maxNewTokens(50).cancellation(later).build(), piece -> later.cancel()));
    }

    @Test
    void providerCreatesLocalGeneratorsForPlainModelDirectories() {
        LocalGeneratorProvider p = new LocalGeneratorProvider();
        assertTrue(p.supports(dir.toString()));
        assertFalse(p.supports(TestData.path("golden/memorag-beacon-qwen2").toString()));
        assertFalse(p.supports(dir.resolve("nope").toString()));
        try (Generator g = Providers.generator(dir.toString(),
                ProviderOptions.EMPTY.with(ProviderOptions.DEVICE, "cpu"))) {
            assertInstanceOf(LocalGenerator.class, g);
            assertEquals(gen.generate(CHAT, GenerationOptions.greedy(5)).text(),
                    g.generate(CHAT, GenerationOptions.greedy(5)).text());
        }
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> p.create(dir.toString(),
                ProviderOptions.EMPTY.with(ProviderOptions.DTYPE, "int3")));
        assertTrue(e.getMessage().contains("int3"));
    }

    @Test
    void thousandGenerateCallsLeaveNativeArraysFlat() {
        List<ChatMessage> shortChat = List.of(ChatMessage.user("hi"));
        GenerationOptions two = GenerationOptions.greedy(2);
        gen.generate(shortChat, two);
        int before = gen.lm().openArrayCount();
        int mid = -1;
        for (int i = 0; i < 1000; i++) {
            gen.generate(shortChat, two);
            if (i == 499) {
                mid = gen.lm().openArrayCount();
            }
        }
        assertEquals(before, mid);
        assertEquals(before, gen.lm().openArrayCount());
        // The weights themselves are counted, so a zero count would mean the probe measures nothing.
        assertTrue(before > 0);
    }

    @Test
    void emptyConversationIsRejected() {
        assertThrows(InvalidInputException.class, () -> gen.generate(List.of(), GenerationOptions.greedy(3)));
        assertNotEquals(0, gen.id().length());
    }

    @Test
    void outOfTokenizerVocabularyIdsDecodeWithoutFailing() {
        // The tiny model's vocabulary (512) is larger than the byte tokenizer's (259); such ids decode to nothing.
        assertArrayEquals(new int[0], gen.tokenizer().encode(""));
        assertEquals("a", gen.tokenizer().decode(new int[] {'a', 400}, true));
    }
}
