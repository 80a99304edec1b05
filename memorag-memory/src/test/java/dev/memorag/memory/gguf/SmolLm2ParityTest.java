package dev.memorag.memory.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.api.ChatMessage;
import dev.memorag.memory.lm.CausalLm;
import dev.memorag.memory.lm.RuntimeOptions;
import dev.memorag.memory.text.TextTokenizer;
import dev.memorag.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real SmolLM2-135M-Instruct Q4_1 GGUF against Hugging Face transformers on the same file
 * ({@code scripts/goldens/smollm2_gguf.py}). Both dequantise Q4_1 exactly to float32 (w = q * d + m), so the only
 * differences are float32 summation order: logits (magnitude about 25) agree to {@value #LOGIT_TOL} (measured
 * 2.7e-5, about 1e-6 relative) and greedy decoding is identical for the 8-token chat answer and a forced 16-token
 * continuation.
 * Skipped, with a message, when the fixture ({@code scripts/fetch-smollm2.sh}) is absent.
 */
class SmolLm2ParityTest {
    static final double LOGIT_TOL = 5e-4;
    private static JsonNode golden;
    private static CausalLm lm;
    private static TextTokenizer tok;

    @BeforeAll
    static void load() throws IOException {
        Path f = TestData.smollm2Gguf();
        assumeTrue(Files.isRegularFile(f), "SmolLM2 GGUF fixture not found at " + f
                + ": run scripts/fetch-smollm2.sh (CI does) to run the real-model parity tests");
        golden = new ObjectMapper().readTree(TestData.path("gguf/smollm2_q4_1_golden.json").toFile());
        lm = CausalLm.load(f, RuntimeOptions.DEFAULT.withDevice(RuntimeOptions.DeviceChoice.CPU));
        tok = TextTokenizer.load(f);
    }

    @AfterAll
    static void close() {
        if (lm != null) {
            lm.close();
        }
        if (tok != null) {
            tok.close();
        }
    }

    @Test
    void embeddedTokenizerEncodesLikeTransformers() {
        for (JsonNode e : golden.get("encodings")) {
            assertArrayEquals(ints(e.get("ids")), tok.encode(e.get("text").asText()), e.get("text").asText());
        }
        assertEquals("<|im_start|>", tok.bosToken());
        assertEquals("<|im_end|>", tok.eosToken());
    }

    @Test
    void embeddedChatTemplateRendersLikeTransformers() {
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode m : golden.get("messages")) {
            messages.add(new ChatMessage(ChatMessage.Role.valueOf(m.get("role").asText().toUpperCase(java.util.Locale.ROOT)),
                    m.get("content").asText()));
        }
        String render = tok.requireChatTemplate().render(messages, true);
        assertEquals(golden.get("chat_render").asText(), render);
        assertArrayEquals(ints(golden.get("prompt_ids")), tok.encode(render));
    }

    @Test
    void lastPositionLogitsMatch() {
        int[] ids = ints(golden.get("prompt_ids"));
        float[][] all = lm.forward(ids, false).logits();
        float[] last = all[all.length - 1];
        assertEquals(golden.get("vocab_size").asInt(), last.length);
        double worst = 0;
        JsonNode top = golden.get("top_ids");
        for (int i = 0; i < top.size(); i++) {
            double d = Math.abs(last[top.get(i).asInt()] - golden.get("top_logits").get(i).asDouble());
            worst = Math.max(worst, d);
        }
        int stride = golden.get("strided_logits_stride").asInt();
        JsonNode strided = golden.get("strided_logits");
        for (int i = 0; i < strided.size(); i++) {
            worst = Math.max(worst, Math.abs(last[i * stride] - strided.get(i).asDouble()));
        }
        assertTrue(worst <= LOGIT_TOL, "max |logit diff| " + worst + " > " + LOGIT_TOL);
    }

    @Test
    void greedyTokensMatch() {
        assertArrayEquals(ints(golden.get("greedy_ids")), greedy(ints(golden.get("prompt_ids")),
                golden.get("greedy_ids").size()), "chat answer");
        int[] raw = greedy(ints(golden.get("raw_prompt_ids")), 16);
        assertArrayEquals(ints(golden.get("raw_greedy_ids")), raw, "16-token continuation");
        assertEquals(golden.get("raw_greedy_text").asText(), tok.decode(raw, false));
    }

    private static int[] greedy(int[] prompt, int n) {
        try (CausalLm.Session s = lm.newSession(1)) {
            float[] logits = s.prefill(new int[][] {prompt}, null, 1)[0][0];
            int[] got = new int[n];
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int v = 1; v < logits.length; v++) {
                    if (logits[v] > logits[best]) {
                        best = v;
                    }
                }
                got[i] = best;
                if (i + 1 < n) {
                    logits = s.step(new int[] {best})[0];
                }
            }
            return got;
        }
    }

    private static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asInt();
        }
        return out;
    }
}
