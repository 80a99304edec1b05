package dev.memorag.retrieval.graph;

import java.text.Normalizer;
import java.util.Locale;

/**
 * Normalises phrases (entities, relations) into graph keys: Unicode NFKC, lower-case, every character that is not a
 * letter, digit or combining mark (of any script) replaced by a space, runs of spaces collapsed, ends trimmed. So
 * "Ångström", "ＡＢＣ" and "東京都" keep their letters, unlike ASCII-only normalisation that erases non-Latin names.
 *
 * <p>Thread-safety: stateless; safe from any thread.
 */
public final class PhraseNormalizer {
    private PhraseNormalizer() {
    }

    /** The normalised key of {@code text} (empty when it holds no letter or digit). */
    public static String normalize(String text) {
        String s = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder(s.length());
        boolean pendingSpace = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (isKept(cp)) {
                if (pendingSpace && out.length() > 0) {
                    out.append(' ');
                }
                pendingSpace = false;
                out.appendCodePoint(cp);
            } else {
                pendingSpace = true;
            }
        }
        return out.toString();
    }

    /** Number of letters and digits (code points) in {@code text}; combining marks do not count. */
    public static int alphanumericCount(String text) {
        return (int) text.codePoints().filter(Character::isLetterOrDigit).count();
    }

    private static boolean isKept(int cp) {
        if (Character.isLetterOrDigit(cp)) {
            return true;
        }
        int type = Character.getType(cp);
        // Marks are part of words in many scripts (Devanagari vowel signs, Thai tone marks).
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK;
    }
}
