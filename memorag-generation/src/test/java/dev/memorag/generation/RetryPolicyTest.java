package dev.memorag.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.InvalidInputException;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    @Test
    void fullJitterStaysUnderTheExponentialCapAndIsSeeded() {
        RetryPolicy p = RetryPolicy.builder().initialBackoff(Duration.ofMillis(100)).maxBackoff(Duration.ofMillis(1000))
                .jitterSeed(42L).build();
        Random a = p.newRandom();
        Random b = p.newRandom();
        long[] caps = {100, 200, 400, 800, 1000, 1000, 1000};
        for (int retry = 1; retry <= caps.length; retry++) {
            Duration d = p.backoff(retry, a);
            assertEquals(d, p.backoff(retry, b));
            assertTrue(!d.isNegative() && d.toMillis() <= caps[retry - 1], retry + ": " + d);
        }
        // Full jitter spreads the waits over the whole range: over many draws the mean is near half the cap.
        Random r = new Random(1);
        double sum = 0;
        for (int i = 0; i < 2000; i++) {
            sum += p.backoff(10, r).toMillis();
        }
        assertEquals(500, sum / 2000, 30);
    }

    @Test
    void validationNamesTheField() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> RetryPolicy.builder().maxAttempts(0).build());
        assertTrue(e.getMessage().contains("maxAttempts") && e.getMessage().contains("0"));
        e = assertThrows(InvalidInputException.class, () -> RetryPolicy.builder()
                .initialBackoff(Duration.ofSeconds(2)).maxBackoff(Duration.ofSeconds(1)).build());
        assertTrue(e.getMessage().contains("maxBackoff"));
    }

    @Test
    void retryAfterSecondsDateAndMilliseconds() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        assertEquals(Optional.of(Duration.ofSeconds(3)), RetryAfter.parseValue("3", now));
        assertEquals(Optional.of(Duration.ofMillis(1500)), RetryAfter.parseValue("1.5", now));
        assertEquals(Optional.of(Duration.ofSeconds(90)),
                RetryAfter.parseValue("Thu, 01 Jan 2026 00:01:30 GMT", now));
        assertEquals(Optional.of(Duration.ZERO), RetryAfter.parseValue("Wed, 31 Dec 2025 23:00:00 GMT", now));
        assertEquals(Optional.empty(), RetryAfter.parseValue("soon", now));
        assertEquals(Optional.empty(), RetryAfter.parseValue("-4", now));
        HttpHeaders h = HttpHeaders.of(Map.of("retry-after-ms", List.of("250"), "Retry-After", List.of("9")),
                (k, v) -> true);
        assertEquals(Optional.of(Duration.ofMillis(250)), RetryAfter.parse(h, now));
        HttpHeaders only = HttpHeaders.of(Map.of("Retry-After", List.of("9")), (k, v) -> true);
        assertEquals(Optional.of(Duration.ofSeconds(9)), RetryAfter.parse(only, now));
    }

    @Test
    void secretRedactsAndMasks() {
        Secret s = Secret.of("abc123", "key");
        assertEquals(Secret.MASK, s.toString());
        assertEquals("x *** y", s.redact("x abc123 y"));
        assertTrue(s.matches("abc123"));
        assertTrue(!s.matches("abc124") && !s.matches(null));
        assertThrows(InvalidInputException.class, () -> Secret.of(" ", "key"));
    }
}
