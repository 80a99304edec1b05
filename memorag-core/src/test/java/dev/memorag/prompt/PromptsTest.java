package dev.memorag.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Language;
import dev.memorag.prompt.Prompts.Template;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PromptsTest {

    @ParameterizedTest
    @EnumSource(Language.class)
    void resourcesDefineEveryTemplateWithItsPlaceholders(Language language) {
        Prompts p = Prompts.forLanguage(language);
        assertEquals(language, p.language());
        for (Template t : Template.values()) {
            String text = p.template(t);
            assertFalse(text == null || text.isBlank(), language + " " + t);
            for (String ph : t.placeholders()) {
                assertTrue(text.contains("{" + ph + "}"), language + " " + t + " lacks {" + ph + "}");
            }
        }
        assertSame(p, Prompts.forLanguage(language), "resources are loaded once");
    }

    @Test
    void chineseTemplatesAreChinese() {
        Prompts zh = Prompts.forLanguage(Language.ZH);
        for (Template t : Template.values()) {
            assertEquals(Language.ZH, Language.detect(zh.template(t).replaceAll("\\{\\w+}", "")), t.name());
        }
        assertNotEquals(Prompts.forLanguage(Language.EN).template(Template.RECALL), zh.template(Template.RECALL));
    }

    @Test
    void fillingIsSinglePass() {
        // a value that looks like a placeholder is inserted verbatim, never expanded
        Map<String, String> v = new LinkedHashMap<>();
        v.put("context", "evidence mentioning {question} and {context}");
        v.put("question", "Who wrote {context}?");
        assertEquals("C: evidence mentioning {question} and {context} Q: Who wrote {context}?",
                Prompts.fill("C: {context} Q: {question}", v));
        Prompts en = Prompts.forLanguage(Language.EN);
        String rendered = en.ragAnswer("the text says {question}", "why?");
        assertTrue(rendered.contains("the text says {question}"), rendered);
        assertTrue(rendered.contains("Question: why?"), rendered);
    }

    @Test
    void fillLeavesUnknownAndMalformedPlaceholdersAlone() {
        assertEquals("a {unknown} b {} c { d", Prompts.fill("a {unknown} b {} c { d", Map.of("x", "y")));
        assertEquals("x=1, x=1", Prompts.fill("x={x}, x={x}", Map.of("x", "1")));
        assertEquals("{1}", Prompts.fill("{{x}}", Map.of("x", "1")));
        assertEquals("", Prompts.fill("", Map.of()));
    }

    @Test
    void convenienceMethodsFillTheirTemplates() {
        Prompts en = Prompts.forLanguage(Language.EN);
        assertTrue(en.contextTurn("BODY").contains("\n\nBODY\n\n"));
        assertTrue(en.recall("Q?").startsWith("Question: Q?"));
        assertTrue(en.rewrite("Q?").startsWith("Question: Q?"));
        assertTrue(en.answer("Q?").endsWith("Question: Q?"));
        assertEquals(en.template(Template.KEY_POINTS), en.keyPoints());
        assertTrue(en.summarize("EVID").contains("EVID"));
        assertTrue(en.gist("CHUNK").endsWith("CHUNK"));
        assertEquals("The answer might be: 42", en.draftAnswer("42"));
        Prompts zh = Prompts.forLanguage(Language.ZH);
        assertEquals("答案可能是：42", zh.draftAnswer("42"));
        assertTrue(zh.ragAnswer("证据", "问什么").contains("文本：\n证据\n\n问题：问什么"));
    }

    @Test
    void withReplacesOneTemplateAndKeepsTheOriginal() {
        Prompts en = Prompts.forLanguage(Language.EN);
        Prompts custom = en.with(Template.RAG_ANSWER, "Q={question} C={context}");
        assertEquals("Q=q C=c", custom.ragAnswer("c", "q"));
        assertNotEquals("Q=q C=c", en.ragAnswer("c", "q"));
        assertEquals(en.template(Template.RECALL), custom.template(Template.RECALL));
        assertEquals("ok", en.with(Template.KEY_POINTS, "ok").keyPoints(), "templates without placeholders");
    }

    @Test
    void validationNamesTheTemplateAndPlaceholder() {
        Prompts en = Prompts.forLanguage(Language.EN);
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> en.with(Template.RAG_ANSWER, "Answer {question} without evidence"));
        assertTrue(e.getMessage().contains("rag_answer") && e.getMessage().contains("{context}"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> Prompts.requirePlaceholders("mine", "no holes", "x"));
        assertTrue(e.getMessage().contains("mine") && e.getMessage().contains("{x}"), e.getMessage());
        Prompts.requirePlaceholders("mine", "{x} and {y}", "x", "y");
    }

    @Test
    void templatePlaceholdersMatchTheirDocumentation() {
        assertEquals(List.of("context", "question"), Template.RAG_ANSWER.placeholders());
        assertEquals(List.of(), Template.KEY_POINTS.placeholders());
        assertEquals(List.of("text"), Template.GIST.placeholders());
    }
}
