package dev.memorag.retrieval.graph;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Reads the first JSON object or array out of LLM output: skips prose and code fences around it and, when the output
 * was cut off, repairs it by dropping the unfinished tail and closing the open brackets.
 *
 * <p>Thread-safety: stateless.
 */
final class LenientJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How many cut points are tried from the end of a truncated text before giving up. */
    private static final int MAX_REPAIR_TRIES = 400;

    private LenientJson() {
    }

    /**
     * The parsed value with a flag telling whether it had to be repaired.
     *
     * @param value the JSON object or array
     * @param repaired whether a truncated tail was dropped and brackets closed
     */
    record Parsed(JsonNode value, boolean repaired) {
    }

    /** Parses the first JSON object/array in {@code text}; {@code null} when there is none or it cannot be repaired. */
    static Parsed parse(String text) {
        int start = -1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{' || c == '[') {
                start = i;
                break;
            }
        }
        if (start < 0) {
            return null;
        }
        String s = text.substring(start);
        JsonNode whole = tryParse(s);
        if (whole != null) {
            return new Parsed(whole, false);
        }
        // Candidate cut points: just after a complete string, number, literal or closed container (outside strings).
        int tries = 0;
        boolean inString = false;
        boolean escape = false;
        int[] cuts = new int[s.length() + 1];
        int nCuts = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (inString) {
                if (escape) {
                    escape = false;
                } else if (c == '\\') {
                    escape = true;
                } else if (c == '"') {
                    inString = false;
                    cuts[nCuts++] = i + 1;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '}' || c == ']' || c == ',') {
                cuts[nCuts++] = c == ',' ? i : i + 1;
            }
        }
        for (int k = nCuts - 1; k >= 0 && tries < MAX_REPAIR_TRIES; k--, tries++) {
            String prefix = s.substring(0, cuts[k]).stripTrailing();
            while (prefix.endsWith(",")) {
                prefix = prefix.substring(0, prefix.length() - 1).stripTrailing();
            }
            String closed = close(prefix);
            if (closed == null) {
                continue;
            }
            JsonNode v = tryParse(closed);
            if (v != null) {
                return new Parsed(v, true);
            }
        }
        return null;
    }

    /** Appends the closers for the brackets left open in {@code prefix}; null if it ends inside a string. */
    private static String close(String prefix) {
        Deque<Character> open = new ArrayDeque<>();
        boolean inString = false;
        boolean escape = false;
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (inString) {
                if (escape) {
                    escape = false;
                } else if (c == '\\') {
                    escape = true;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                open.push(c);
            } else if (c == '}' || c == ']') {
                if (open.isEmpty()) {
                    return null;
                }
                open.pop();
            }
        }
        if (inString) {
            return null;
        }
        StringBuilder out = new StringBuilder(prefix);
        while (!open.isEmpty()) {
            out.append(open.pop() == '{' ? '}' : ']');
        }
        return out.toString();
    }

    private static JsonNode tryParse(String s) {
        try (JsonParser p = JSON.createParser(s)) {
            JsonNode v = JSON.readTree(p);
            return v != null && (v.isObject() || v.isArray()) ? v : null;
        } catch (IOException e) {
            return null;
        }
    }
}
