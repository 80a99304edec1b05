package dev.memorag.api;

/**
 * The language of a text, which selects prompt templates, chunk sizes and clue filtering.
 *
 * <p>Thread-safety: immutable.
 */
public enum Language {
    EN, ZH;

    /**
     * Deterministic detection: Chinese when CJK ideographs make up at least 20% of the letters in the first 20,000
     * characters, English otherwise.
     */
    public static Language detect(String text) {
        int cjk = 0;
        int letters = 0;
        int n = Math.min(text.length(), 20_000);
        for (int i = 0; i < n; ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isLetter(cp)) {
                letters++;
                if (Character.UnicodeScript.of(cp) == Character.UnicodeScript.HAN) {
                    cjk++;
                }
            }
        }
        return letters > 0 && cjk * 5 >= letters ? ZH : EN;
    }
}
