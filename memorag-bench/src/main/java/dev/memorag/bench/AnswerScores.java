package dev.memorag.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Answer scoring of eval/README.md: both strings normalised (lower-case; the 32 ASCII punctuation characters
 * deleted; the whole words a / an / the replaced by a space; whitespace runs collapsed), then exact match and
 * token-level F1 over whitespace tokens (multiset overlap), each the maximum over the gold answers.
 *
 * <p>Thread-safety: stateless.
 */
final class AnswerScores {
    private static final Pattern PUNCTUATION = Pattern.compile("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~]");
    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b");
    private static final Pattern SPACES = Pattern.compile("\\s+");

    private AnswerScores() {
    }

    static String normalize(String s) {
        String t = PUNCTUATION.matcher(s.toLowerCase(Locale.ROOT)).replaceAll("");
        t = ARTICLES.matcher(t).replaceAll(" ");
        return SPACES.matcher(t).replaceAll(" ").strip();
    }

    /** 1 when the normalised prediction equals some normalised gold answer, else 0. */
    static double exactMatch(String prediction, List<String> golds) {
        String p = normalize(prediction);
        return golds.stream().anyMatch(g -> normalize(g).equals(p)) ? 1 : 0;
    }

    /** The best token F1 over {@code golds}. */
    static double f1(String prediction, List<String> golds) {
        double best = 0;
        for (String g : golds) {
            best = Math.max(best, f1(prediction, g));
        }
        return best;
    }

    private static double f1(String prediction, String gold) {
        String p = normalize(prediction);
        String g = normalize(gold);
        if (p.isEmpty() || g.isEmpty()) {
            return p.equals(g) ? 1 : 0;
        }
        String[] pt = p.split(" ");
        String[] gt = g.split(" ");
        Map<String, Integer> counts = new HashMap<>();
        for (String t : gt) {
            counts.merge(t, 1, Integer::sum);
        }
        int common = 0;
        for (String t : pt) {
            Integer c = counts.get(t);
            if (c != null && c > 0) {
                common++;
                counts.put(t, c - 1);
            }
        }
        if (common == 0) {
            return 0;
        }
        double precision = (double) common / pt.length;
        double recall = (double) common / gt.length;
        return 2 * precision * recall / (precision + recall);
    }
}
