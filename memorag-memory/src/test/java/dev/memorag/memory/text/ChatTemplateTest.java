package dev.memorag.memory.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.error.InvalidInputException;
import dev.memorag.api.ChatMessage;
import dev.memorag.testing.TestData;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChatTemplateTest {

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "llama3"})
    void rendersTheGoldensByteForByte(String model) throws Exception {
        JsonNode g = new ObjectMapper().readTree(TestData.path("tokenizers/chat_template_golden.json").toFile());
        ChatTemplate t = ChatTemplate.fromTokenizerConfig(TestData.path("tokenizers/" + model
                + "/tokenizer_config.json"));
        JsonNode renders = g.get("renders").get(model);
        int checked = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = renders.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String[] key = e.getKey().split("\\|add_generation_prompt=");
            List<ChatMessage> msgs = new ArrayList<>();
            for (JsonNode m : g.get("conversations").get(key[0])) {
                msgs.add(new ChatMessage(ChatMessage.Role.valueOf(m.get("role").asText().toUpperCase()),
                        m.get("content").asText()));
            }
            assertEquals(e.getValue().asText(), t.render(msgs, Boolean.parseBoolean(key[1].toLowerCase())),
                    model + " " + e.getKey());
            checked++;
        }
        assertEquals(8, checked);
    }

    @Test
    void qwen3SplitsThinkingFromTheLastAssistantTurn() throws Exception {
        ChatTemplate t = ChatTemplate.fromTokenizerConfig(TestData.path("tokenizers/qwen3/tokenizer_config.json"));
        String out = t.render(List.of(ChatMessage.user("q"), ChatMessage.assistant("<think>\nhmm\n</think>\n\nA")),
                false);
        assertEquals("<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n<think>\nhmm\n</think>\n\nA<|im_end|>\n",
                out);
    }

    @Test
    void pythonStringMethodsFollowPythonSemantics() {
        assertEquals(List.of("a", "", "b", ""), PythonStringMethods.split("a..b.", "."));
        assertEquals("x\n ", PythonStringMethods.lstrip("\n\nx\n ", "\n"));
        assertEquals(" y", PythonStringMethods.rstrip(" y\n\n", "\n"));
    }

    @Test
    void raiseExceptionBecomesInvalidInput() {
        ChatTemplate t = new ChatTemplate("{% if messages[0].role != 'user' %}{{ raise_exception('first must be user')"
                + " }}{% endif %}ok", "", "");
        assertEquals("ok", t.render(List.of(ChatMessage.user("x")), false));
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> t.render(List.of(ChatMessage.system("x")), false));
        assertTrue(e.getMessage().contains("first must be user"), e.getMessage());
    }
}
