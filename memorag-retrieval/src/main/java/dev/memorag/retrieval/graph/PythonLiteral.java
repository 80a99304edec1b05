package dev.memorag.retrieval.graph;

import dev.memorag.error.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses the Python literal subset HippoRAG stores extraction results in ({@code str(list)}): lists, tuples, quoted
 * strings with escapes, integers, floats, {@code None}, {@code True}, {@code False}. It is a plain recursive-descent
 * parser: nothing is evaluated, so a malicious string can only fail to parse.
 *
 * <p>Thread-safety: stateless.
 */
final class PythonLiteral {
    private static final int MAX_DEPTH = 64;

    private final String s;
    private final String where;
    private int pos;

    private PythonLiteral(String s, String where) {
        this.s = s;
        this.where = where;
    }

    /**
     * Parses {@code text}: lists and tuples become {@link List}, strings {@link String}, numbers {@link Long} or
     * {@link Double}, {@code None} null, booleans {@link Boolean}.
     *
     * @param where names the source in error messages (file and field)
     * @throws InvalidInputException naming {@code where} and the offset of the first bad character
     */
    static Object parse(String text, String where) {
        PythonLiteral p = new PythonLiteral(text, where);
        Object v = p.value(0);
        p.skipSpace();
        if (p.pos != text.length()) {
            throw p.error("unexpected trailing text");
        }
        return v;
    }

    private Object value(int depth) {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH);
        }
        skipSpace();
        if (pos >= s.length()) {
            throw error("unexpected end of text");
        }
        char c = s.charAt(pos);
        if (c == '[' || c == '(') {
            return sequence(c == '[' ? ']' : ')', depth);
        }
        if (c == '\'' || c == '"') {
            return string(c);
        }
        if (c == '-' || c == '+' || c == '.' || Character.isDigit(c)) {
            return number();
        }
        for (String word : new String[] {"None", "True", "False"}) {
            if (s.startsWith(word, pos)) {
                pos += word.length();
                return word.equals("None") ? null : Boolean.valueOf(word.equals("True"));
            }
        }
        throw error("unexpected character '" + c + "'");
    }

    private List<Object> sequence(char close, int depth) {
        pos++;
        List<Object> out = new ArrayList<>();
        while (true) {
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == close) {
                pos++;
                return out;
            }
            out.add(value(depth + 1));
            skipSpace();
            if (pos >= s.length()) {
                throw error("unclosed '" + (close == ']' ? '[' : '(') + "'");
            }
            char c = s.charAt(pos);
            if (c == ',') {
                pos++;
            } else if (c != close) {
                throw error("expected ',' or '" + close + "' but found '" + c + "'");
            }
        }
    }

    private String string(char quote) {
        pos++;
        StringBuilder out = new StringBuilder();
        while (pos < s.length()) {
            char c = s.charAt(pos++);
            if (c == quote) {
                return out.toString();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (pos >= s.length()) {
                break;
            }
            char e = s.charAt(pos++);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case '0' -> out.append('\0');
                case 'x' -> out.append((char) hex(2));
                case 'u' -> out.append((char) hex(4));
                case 'U' -> out.appendCodePoint(hex(8));
                case '\n' -> { }
                default -> {
                    if (e == '\\' || e == '\'' || e == '"') {
                        out.append(e);
                    } else {
                        // Python keeps unknown escapes verbatim.
                        out.append('\\').append(e);
                    }
                }
            }
        }
        throw error("unterminated string");
    }

    private int hex(int digits) {
        if (pos + digits > s.length()) {
            throw error("truncated \\x/\\u escape");
        }
        try {
            int v = Integer.parseUnsignedInt(s.substring(pos, pos + digits), 16);
            pos += digits;
            if (!Character.isValidCodePoint(v)) {
                throw error("invalid code point " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw error("bad hex escape '" + s.substring(pos, pos + digits) + "'");
        }
    }

    private Object number() {
        int start = pos;
        while (pos < s.length() && "+-0123456789.eE_".indexOf(s.charAt(pos)) >= 0) {
            pos++;
        }
        String t = s.substring(start, pos).replace("_", "");
        try {
            if (t.contains(".") || t.contains("e") || t.contains("E")) {
                return Double.parseDouble(t);
            }
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            pos = start;
            throw error("bad number '" + t + "'");
        }
    }

    private void skipSpace() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }

    private InvalidInputException error(String what) {
        return new InvalidInputException(where + ": invalid Python literal at offset " + pos + ": " + what);
    }
}
