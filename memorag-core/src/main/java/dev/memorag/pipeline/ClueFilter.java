package dev.memorag.pipeline;

import dev.memorag.api.Language;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns the memory model's raw output (recalled spans, surrogate questions, key points) into retrieval queries: one
 * candidate per line, list numbering and bullets stripped, too-short lines dropped, duplicates removed (first kept).
 *
 * <p>"Too short" follows MemoRAG for English (a line needs more than {@link #MIN_ENGLISH_WORDS} whitespace-separated
 * words) but, unlike MemoRAG, counts CJK characters for Chinese (at least {@link #MIN_CHINESE_CHARS} Han characters),
 * because Chinese is written without spaces and a word count would drop every Chinese clue. A line in a Chinese memory
 * that is mostly Latin script is judged by the English rule, so mixed output is handled either way.
 *
 * <p>Thread-safety: immutable and thread-safe.
 */
public final class ClueFilter {
    /** An English clue needs more than this many whitespace-separated words (MemoRAG's rule). */
    public static final int MIN_ENGLISH_WORDS = 3;
    /** A Chinese clue needs at least this many Han characters. */
    public static final int MIN_CHINESE_CHARS = 4;

    /**
     * Leading list markers: "1.", "1)", "(1)", "1、", "①", "-", "*", "•", "·", "Q1:", "问题1：" are removed once, along with
     * following spaces.
     */
    private static final Pattern LIST_MARKER = Pattern.compile(
            "^\\s*(?:(?:[-*•·▪●○]|[（(]?\\d{1,3}(?:[.)](?=\\s|$)|[）、:：])|[①-⑳]|(?:Q|q|问题|问)\\s*\\d{0,3}\\s*[.:：、])\\s*)+");

    private final Language language;

    public ClueFilter(Language language) {
        this.language = java.util.Objects.requireNonNull(language, "language");
    }

    /** Filters the lines of every output in order, returning distinct clues. */
    public List<String> filter(List<String> outputs) {
        Set<String> seen = new LinkedHashSet<>();
        List<String> clues = new ArrayList<>();
        for (String output : outputs) {
            if (output == null) {
                continue;
            }
            for (String line : output.split("\\R")) {
                String clue = clean(line);
                if (keep(clue) && seen.add(normalise(clue))) {
                    clues.add(clue);
                }
            }
        }
        return clues;
    }

    /** Strips list markers, surrounding quotes and whitespace from one line. */
    static String clean(String line) {
        String s = LIST_MARKER.matcher(line).replaceFirst("").strip();
        if (s.length() >= 2 && isQuote(s.charAt(0)) && isQuote(s.charAt(s.length() - 1))) {
            s = s.substring(1, s.length() - 1).strip();
        }
        return s;
    }

    private static boolean isQuote(char c) {
        return c == '"' || c == '“' || c == '”' || c == '「' || c == '」' || c == '\'';
    }

    /** Whether a cleaned line is long enough to be a useful retrieval query in this filter's language. */
    boolean keep(String clue) {
        if (clue.isEmpty()) {
            return false;
        }
        int han = hanCount(clue);
        if (language == Language.ZH && han * 2 >= letterCount(clue)) {
            return han >= MIN_CHINESE_CHARS;
        }
        return clue.split("\\s+").length > MIN_ENGLISH_WORDS;
    }

    private static int hanCount(String s) {
        return (int) s.codePoints().filter(cp -> Character.UnicodeScript.of(cp) == Character.UnicodeScript.HAN)
                .count();
    }

    private static int letterCount(String s) {
        return (int) s.codePoints().filter(Character::isLetter).count();
    }

    /** Duplicate key: case and inner whitespace do not make two clues different. */
    private static String normalise(String clue) {
        return clue.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
    }
}
