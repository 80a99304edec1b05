package dev.memorag.memory.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.el.ext.NamedParameter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.objects.Namespace;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelException;
import dev.memorag.api.ChatMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jinjava.javax.el.CompositeELResolver;

/**
 * Renders a Hugging Face {@code chat_template} (Jinja) the way transformers does: {@code trim_blocks},
 * {@code lstrip_blocks}, {@code raise_exception}, {@code bos_token}/{@code eos_token} and
 * {@code add_generation_prompt}. Runs on Jinjava, extended with Python string methods, keyword-argument
 * {@code namespace(...)} and reversed slices ({@code xs[::-1]}), which HF templates (Qwen3) use.
 *
 * <p>Thread-safety: thread-safe (each render uses its own interpreter).
 */
public final class ChatTemplate {
    private static final Pattern REVERSE_SLICE = Pattern.compile("([A-Za-z_][A-Za-z0-9_.]*)\\[\\s*:\\s*:\\s*-1\\s*]");

    private final String template;
    private final String bosToken;
    private final String eosToken;
    private final Jinjava jinjava;

    /**
     * @param template the Jinja source
     * @param bosToken value of {@code bos_token} ("" when the tokenizer has none)
     * @param eosToken value of {@code eos_token} ("" when none)
     */
    public ChatTemplate(String template, String bosToken, String eosToken) {
        this.template = preprocess(Objects.requireNonNull(template, "template"));
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        this.jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true)
                .withElResolver(resolver).build());
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "namespace", ChatTemplate.class,
                "namespace", Object[].class));
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                ChatTemplate.class, "raiseException", String.class));
    }

    /**
     * Reads {@code chat_template}, {@code bos_token} and {@code eos_token} from {@code tokenizer_config.json}.
     *
     * @throws ModelException when the file has no chat template
     */
    public static ChatTemplate fromTokenizerConfig(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new CorruptDataException(file + ": cannot read JSON: " + e.getMessage(), e);
        }
        JsonNode t = root.get("chat_template");
        if (t != null && t.isArray()) {
            // The list form holds named templates; "default" is the chat one.
            for (JsonNode n : t) {
                if ("default".equals(n.path("name").asText())) {
                    t = n.get("template");
                    break;
                }
            }
        }
        if (t == null || !t.isTextual()) {
            throw new ModelException(file + ": field 'chat_template' is missing");
        }
        return new ChatTemplate(t.asText(), tokenText(root.get("bos_token")), tokenText(root.get("eos_token")));
    }

    /** A token given as a string or as an AddedToken object {@code {"content": ...}}. */
    static String tokenText(JsonNode n) {
        if (n == null || n.isNull()) {
            return "";
        }
        return n.isTextual() ? n.asText() : n.path("content").asText("");
    }

    static String preprocess(String template) {
        // Jinja's whitespace control ("{{-", "-}}", ...) is applied here, because Jinjava ignores it on expressions.
        String t = template.replaceAll("\\s*\\{([{%#])-", "{$1").replaceAll("-([}%#])}\\s*", "$1}");
        Matcher m = REVERSE_SLICE.matcher(t);
        return parenthesizeKeywordArguments(m.replaceAll("($1|reverse)"), "namespace(");
    }

    /**
     * Wraps each keyword-argument value of {@code call(...)} in parentheses: Jinjava binds {@code name=value} tighter
     * than arithmetic, so {@code n=xs|length - 1} would otherwise subtract from the named parameter itself.
     */
    static String parenthesizeKeywordArguments(String template, String call) {
        StringBuilder out = new StringBuilder(template.length() + 16);
        int from = 0;
        int at;
        while ((at = template.indexOf(call, from)) >= 0) {
            boolean identifierBefore = at > 0
                    && (Character.isLetterOrDigit(template.charAt(at - 1)) || template.charAt(at - 1) == '_');
            int open = at + call.length();
            CallArguments parsed = identifierBefore ? null : callArguments(template, open);
            if (parsed == null) {
                out.append(template, from, open);
                from = open;
                continue;
            }
            List<String> args = parsed.args();
            int close = parsed.close();
            out.append(template, from, open);
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                Matcher kw = KEYWORD_ARG.matcher(a);
                out.append(i == 0 ? "" : ",");
                out.append(kw.matches() ? kw.group(1) + "=(" + kw.group(2) + ")" : a);
            }
            out.append(')');
            from = close + 1;
        }
        out.append(template.substring(from));
        return out.toString();
    }

    private static final Pattern KEYWORD_ARG = Pattern.compile("(?s)(\\s*[A-Za-z_][A-Za-z0-9_]*\\s*)=(?!=)(.*)");

    /** A call's top-level arguments and the index of its closing ')'. */
    private record CallArguments(List<String> args, int close) {
    }

    /**
     * One scan of the call whose arguments start at {@code start}: its arguments split at commas outside quotes and
     * brackets, and its closing ')'; null when the call is not closed.
     */
    private static CallArguments callArguments(String s, int start) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        char quote = 0;
        int argStart = start;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0) {
                    if (c != ')') {
                        return null;
                    }
                    out.add(s.substring(argStart, i));
                    return new CallArguments(out, i);
                }
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(s.substring(argStart, i));
                argStart = i + 1;
            }
        }
        return null;
    }

    /** Renders {@code messages}; with {@code addGenerationPrompt} the assistant header is appended. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> msgs = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("role", m.role().wireName());
            e.put("content", m.content());
            msgs.add(e);
        }
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("messages", msgs);
        ctx.put("add_generation_prompt", addGenerationPrompt);
        ctx.put("bos_token", bosToken);
        ctx.put("eos_token", eosToken);
        RenderResult r = jinjava.renderForResult(template, ctx);
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                String msg = e.getMessage();
                Throwable cause = e.getException();
                while (cause != null) {
                    if (cause instanceof TemplateRaised raised) {
                        msg = raised.getMessage();
                        break;
                    }
                    cause = cause.getCause();
                }
                throw new InvalidInputException("chat template failed: " + msg);
            }
        }
        return r.getOutput();
    }

    /** Jinja's {@code namespace(k=v, ...)}: a mutable attribute holder. */
    public static Namespace namespace(Object... args) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Object a : args) {
            if (a instanceof NamedParameter p) {
                values.put(p.getName(), p.getValue());
            } else if (a instanceof Map<?, ?> m) {
                m.forEach((k, v) -> values.put(String.valueOf(k), v));
            }
        }
        return new Namespace(values);
    }

    /** HF's {@code raise_exception(message)}. */
    public static Object raiseException(String message) {
        throw new TemplateRaised(message);
    }

    /** Raised by {@code raise_exception}; surfaced as an InvalidInputException by {@link #render}. */
    static final class TemplateRaised extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TemplateRaised(String message) {
            super(message);
        }
    }
}
