package dev.memorag.retrieval.graph;

import dev.memorag.error.InvalidInputException;
import java.util.Objects;

/**
 * A validated, normalised triple: the unit that query-to-fact matching scores. Its subject and object are phrase nodes.
 *
 * <p>Thread-safety: immutable.
 *
 * @param subject normalised subject (non-empty)
 * @param relation normalised relation (non-empty)
 * @param object normalised object (non-empty)
 */
public record Fact(String subject, String relation, String object) {
    /** Longest accepted field, in characters, after normalisation; longer fields are extraction garbage. */
    public static final int MAX_FIELD_CHARS = 256;

    public Fact {
        check("subject", subject);
        check("relation", relation);
        check("object", object);
    }

    private static void check(String field, String value) {
        Objects.requireNonNull(value, field);
        if (value.isEmpty() || value.length() > MAX_FIELD_CHARS) {
            throw new InvalidInputException("Fact." + field + " must have 1.." + MAX_FIELD_CHARS
                    + " characters after normalisation, was " + value.length() + ": '" + abbreviate(value) + "'");
        }
    }

    /**
     * Normalises {@code triple}, or explains why it is invalid.
     *
     * @return the fact, or {@code null} when a field is empty or longer than {@link #MAX_FIELD_CHARS} after
     *     normalisation; {@code reason} then receives the field name and value
     */
    public static Fact of(Triple triple, StringBuilder reason) {
        String s = PhraseNormalizer.normalize(triple.subject());
        String r = PhraseNormalizer.normalize(triple.relation());
        String o = PhraseNormalizer.normalize(triple.object());
        String bad = s.isEmpty() || s.length() > MAX_FIELD_CHARS ? "subject"
                : r.isEmpty() || r.length() > MAX_FIELD_CHARS ? "relation"
                : o.isEmpty() || o.length() > MAX_FIELD_CHARS ? "object" : null;
        if (bad != null) {
            String raw = bad.equals("subject") ? triple.subject()
                    : bad.equals("relation") ? triple.relation() : triple.object();
            reason.append(bad).append(raw.isBlank() || PhraseNormalizer.normalize(raw).isEmpty()
                    ? " is empty" : " is too long (" + raw.length() + " chars)")
                    .append(": '").append(abbreviate(raw)).append('\'');
            return null;
        }
        return new Fact(s, r, o);
    }

    /** The text embedded for query-to-fact matching. */
    public String text() {
        return "(" + subject + ", " + relation + ", " + object + ")";
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
