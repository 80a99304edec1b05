package dev.memorag.prompt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.error.StorageException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.MemoRagException;
import dev.memorag.api.Language;
import dev.memorag.api.MemoryPrompts;
import java.io.IOException;
import java.io.InputStream;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The prompt templates of the pipeline, one set per language, loaded from the resources
 * {@code dev/memorag/prompts/en.json} and {@code zh.json}. Placeholders are written {@code {name}} and filled in one
 * pass, so text inserted for one placeholder is never scanned for another.
 *
 * <p>Thread-safety: immutable.
 */
public final class Prompts implements MemoryPrompts {

    /** Template names. Every template set defines all of them. */
    public enum Template {
        /** The user turn that wraps the text to memorise: {@code {context}}. */
        CONTEXT("context"),
        /** The assistant's acknowledgement after the context turn. */
        CONTEXT_ACK,
        /** Clue spans from the memory, one per line: {@code {question}}. */
        RECALL("question"),
        /** Surrogate questions, one per line: {@code {question}}. */
        REWRITE("question"),
        /** A short answer from memory alone: {@code {question}}. */
        ANSWER("question"),
        /** Numbered key points of the whole text. */
        KEY_POINTS,
        /** Generator prompt: answer from evidence: {@code {context}}, {@code {question}}. */
        RAG_ANSWER("context", "question"),
        /** Generator prompt: summarise evidence: {@code {context}}. */
        SUMMARIZE("context"),
        /** Lite memory: condense one chunk: {@code {text}}. */
        GIST("text"),
        /** The extra passage holding a draft answer: {@code {answer}}. */
        DRAFT_ANSWER("answer");

        private final List<String> placeholders;

        Template(String... placeholders) {
            this.placeholders = List.of(placeholders);
        }

        /** The placeholders every text for this template must contain (the values the pipeline fills in). */
        public List<String> placeholders() {
            return placeholders;
        }

        String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final Map<Language, Prompts> DEFAULTS = new EnumMap<>(Language.class);

    private final Language language;
    private final Map<Template, String> templates;

    private Prompts(Language language, Map<Template, String> templates) {
        this.language = language;
        this.templates = Map.copyOf(templates);
    }

    /** The built-in templates for {@code language}. */
    public static synchronized Prompts forLanguage(Language language) {
        return DEFAULTS.computeIfAbsent(language, Prompts::loadResource);
    }

    private static Prompts loadResource(Language language) {
        String name = "/dev/memorag/prompts/" + language.name().toLowerCase(java.util.Locale.ROOT) + ".json";
        try (InputStream in = Prompts.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new MemoRagException("prompt resource missing: " + name);
            }
            JsonNode root = new ObjectMapper().readTree(in);
            Map<Template, String> map = new EnumMap<>(Template.class);
            for (Template t : Template.values()) {
                JsonNode node = root.get(t.key());
                if (node == null || !node.isTextual()) {
                    throw new MemoRagException("prompt resource " + name + ": field '" + t.key() + "' missing");
                }
                requirePlaceholders(name + " field '" + t.key() + "'", node.asText(),
                        t.placeholders().toArray(String[]::new));
                map.put(t, node.asText());
            }
            return new Prompts(language, map);
        } catch (IOException e) {
            throw new StorageException("prompt resource " + name + " unreadable: " + e.getMessage(), e);
        }
    }

    @Override
    public Language language() {
        return language;
    }

    /** The raw template text. */
    public String template(Template template) {
        return templates.get(template);
    }

    /**
     * A copy with {@code template} replaced by {@code text}.
     *
     * @throws InvalidInputException when {@code text} lacks one of {@link Template#placeholders()}
     */
    public Prompts with(Template template, String text) {
        Objects.requireNonNull(text, "text");
        requirePlaceholders(template.key(), text, template.placeholders().toArray(String[]::new));
        Map<Template, String> copy = new EnumMap<>(templates);
        copy.put(template, text);
        return new Prompts(language, copy);
    }

    /** Fills {@code template} with the given values; an unknown placeholder is left as written. */
    public String render(Template template, Map<String, String> values) {
        return fill(templates.get(template), values);
    }

    @Override
    public String contextTurn(String text) {
        return render(Template.CONTEXT, Map.of("context", text));
    }

    public String recall(String question) {
        return render(Template.RECALL, Map.of("question", question));
    }

    public String rewrite(String question) {
        return render(Template.REWRITE, Map.of("question", question));
    }

    public String answer(String question) {
        return render(Template.ANSWER, Map.of("question", question));
    }

    public String keyPoints() {
        return render(Template.KEY_POINTS, Map.of());
    }

    public String ragAnswer(String evidence, String question) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("context", evidence);
        v.put("question", question);
        return render(Template.RAG_ANSWER, v);
    }

    public String summarize(String evidence) {
        return render(Template.SUMMARIZE, Map.of("context", evidence));
    }

    @Override
    public String contextAcknowledgement() {
        return template(Template.CONTEXT_ACK);
    }

    @Override
    public String gist(String text) {
        return render(Template.GIST, Map.of("text", text));
    }

    public String draftAnswer(String answer) {
        return render(Template.DRAFT_ANSWER, Map.of("answer", answer));
    }

    /** Single-pass placeholder substitution. */
    static String fill(String template, Map<String, String> values) {
        StringBuilder out = new StringBuilder(template.length() + 64);
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c == '{') {
                int close = template.indexOf('}', i + 1);
                if (close > i + 1) {
                    String key = template.substring(i + 1, close);
                    String value = values.get(key);
                    if (value != null) {
                        out.append(value);
                        i = close + 1;
                        continue;
                    }
                }
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    /** Throws unless {@code template} contains every placeholder in {@code required}. */
    public static void requirePlaceholders(String name, String template, String... required) {
        for (String r : required) {
            if (!template.contains("{" + r + "}")) {
                throw new InvalidInputException("prompt template '" + name + "' lacks placeholder {" + r + "}");
            }
        }
    }
}
