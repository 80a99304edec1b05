package dev.memorag.generation;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Reads a server's requested retry delay from {@code retry-after-ms} or {@code Retry-After} (seconds or HTTP date). */
final class RetryAfter {
    private RetryAfter() {
    }

    static Optional<Duration> parse(HttpHeaders headers, Instant now) {
        Optional<String> ms = headers.firstValue("retry-after-ms");
        if (ms.isPresent()) {
            Optional<Duration> d = number(ms.get(), 1_000_000L);
            if (d.isPresent()) {
                return d;
            }
        }
        return headers.firstValue("retry-after").flatMap(v -> parseValue(v, now));
    }

    /** A {@code Retry-After} value: delay-seconds, or an HTTP date (a past date means "now"). */
    static Optional<Duration> parseValue(String value, Instant now) {
        String v = value.strip();
        Optional<Duration> seconds = number(v, 1_000_000_000L);
        if (seconds.isPresent()) {
            return seconds;
        }
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration d = Duration.between(now, at);
            return Optional.of(d.isNegative() ? Duration.ZERO : d);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Optional<Duration> number(String v, long nanosPerUnit) {
        try {
            double x = Double.parseDouble(v.strip());
            if (!(x >= 0) || Double.isInfinite(x)) {
                return Optional.empty();
            }
            return Optional.of(Duration.ofNanos((long) Math.min(x * nanosPerUnit, (double) Long.MAX_VALUE)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
