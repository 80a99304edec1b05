package dev.memorag.store;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Describes a Jackson parse failure of a save's JSON file for a user: where (line and column) and what is wrong.
 * Jackson's own {@code getMessage()} appends a location that, since 2.16, reads
 * {@code Source: REDACTED (StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION disabled)}, which tells the user nothing; the
 * file is named by the caller instead.
 *
 * <p>Thread-safety: stateless.
 */
public final class JsonErrors {
    /** A location Jackson embeds inside some messages, e.g. "(for Array starting at [Source: ...; line: 3, ...])". */
    private static final Pattern NESTED_LOCATION = Pattern.compile("\\[Source: .*?; line: (\\d+), column: (\\d+)\\]");

    private JsonErrors() {
    }

    /**
     * {@code "line L, column C: <what is wrong>"}, or only what is wrong when Jackson knows no location. The text
     * after the colon is Jackson's message without its location suffix, and with the locations it embeds reduced to
     * their line and column.
     */
    public static String describe(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String what = NESTED_LOCATION.matcher(e.getOriginalMessage()).replaceAll("line $1, column $2");
        if (at == null || at.getLineNr() < 1) {
            return what;
        }
        return String.format(Locale.ROOT, "line %d, column %d: %s", at.getLineNr(), at.getColumnNr(), what);
    }
}
