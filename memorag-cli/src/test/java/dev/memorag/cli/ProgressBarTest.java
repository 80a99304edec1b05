package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    private final StringWriter sink = new StringWriter();
    private final AtomicLong clock = new AtomicLong();

    /** A bar printing into {@link #sink} that reads the time from {@link #clock}. */
    private ProgressBar bar(ProgressBar.Style style, ProgressBar.Unit unit) {
        return new ProgressBar(new PrintWriter(sink), style, unit, clock::get);
    }

    @Test
    void plainModePrintsSparseLines() {
        ProgressBar bar = bar(ProgressBar.Style.LINES, ProgressBar.Unit.BYTES);
        long total = 4L << 20;
        for (long done = 0; done <= total; done += 64 << 10) {
            bar.onProgress("download model.safetensors", done, total);
        }
        bar.onProgress("download model.safetensors", total, total); // a repeated completion prints nothing
        bar.onProgress("download config.json", 700, 700);
        bar.finish();

        assertEquals(String.join(System.lineSeparator(),
                "download model.safetensors: 0 B / 4.0 MiB (0%)",
                "download model.safetensors: 1.0 MiB / 4.0 MiB (25%)",
                "download model.safetensors: 2.0 MiB / 4.0 MiB (50%)",
                "download model.safetensors: 3.0 MiB / 4.0 MiB (75%)",
                "download model.safetensors: 4.0 MiB / 4.0 MiB (100%)",
                "download config.json: 700 B / 700 B (100%)", ""), sink.toString());
    }

    @Test
    void plainModeWithUnknownTotalPrintsAtMostEveryTenSeconds() {
        ProgressBar bar = bar(ProgressBar.Style.LINES, ProgressBar.Unit.COUNT);
        bar.onProgress("embed", 1, -1);
        clock.addAndGet(5_000_000_000L);
        bar.onProgress("embed", 2, -1);
        clock.addAndGet(6_000_000_000L);
        bar.onProgress("embed", 3, -1);

        assertEquals("embed: 1" + System.lineSeparator() + "embed: 3" + System.lineSeparator(), sink.toString());
    }

    @Test
    void interactiveModeRedrawsInPlaceAndThrottles() {
        ProgressBar bar = bar(ProgressBar.Style.BAR, ProgressBar.Unit.COUNT);
        bar.onProgress("memorize", 0, 8);
        bar.onProgress("memorize", 1, 8); // within 100 ms of the last draw: skipped
        clock.addAndGet(200_000_000L);
        bar.onProgress("memorize", 4, 8);
        bar.onProgress("memorize", 8, 8); // completion always draws and ends the line
        bar.finish();

        String s = sink.toString();
        assertEquals(3, s.chars().filter(c -> c == '\r').count(), s);
        assertTrue(s.contains("memorize [............] 0 / 8 (0%)".replace("............", ".".repeat(24))), s);
        assertTrue(s.contains("[" + "#".repeat(12) + ".".repeat(12) + "] 4 / 8 (50%)"), s);
        assertTrue(s.endsWith("[" + "#".repeat(24) + "] 8 / 8 (100%)" + System.lineSeparator()), s);
        assertFalse(s.contains("1 / 8"), s);
    }

    @Test
    void linesShowTheTimeLeftOnceAStageHasRunForASecond() {
        ProgressBar bar = bar(ProgressBar.Style.LINES, ProgressBar.Unit.COUNT);
        bar.onProgress("embed", 0, 400);
        clock.addAndGet(500_000_000L);
        bar.onProgress("embed", 100, 400); // 0.5 s in: too early to extrapolate
        clock.addAndGet(29_500_000_000L);
        bar.onProgress("embed", 200, 400); // 30 s for 200: 30 s to go
        clock.addAndGet(60_000_000_000L);
        bar.onProgress("embed", 300, 400); // 90 s for 300: 30 s to go
        bar.onProgress("embed", 400, 400);
        bar.onProgress("save", 0, 3); // a new stage starts its own clock
        clock.addAndGet(2_000_000_000L);
        bar.onProgress("save", 1, 3);

        assertEquals(String.join(System.lineSeparator(),
                "embed: 0 / 400 (0%)",
                "embed: 100 / 400 (25%)",
                "embed: 200 / 400 (50%, ETA 30s)",
                "embed: 300 / 400 (75%, ETA 30s)",
                "embed: 400 / 400 (100%)",
                "save: 0 / 3 (0%)",
                "save: 1 / 3 (33%, ETA 4s)", ""), sink.toString());
    }

    @Test
    void theBarShowsTheTimeLeftToo() {
        ProgressBar bar = bar(ProgressBar.Style.BAR, ProgressBar.Unit.COUNT);
        bar.onProgress("memorize", 0, 1000);
        clock.addAndGet(65_000_000_000L);
        bar.onProgress("memorize", 500, 1000);
        assertTrue(sink.toString().endsWith("] 500 / 1000 (50%, ETA 1m05s)"), sink.toString());
    }

    @Test
    void etaIsRoundedUpToWholeSecondsMinutesOrHours() {
        assertEquals("1s", ProgressBar.formatEta(0));
        assertEquals("1s", ProgressBar.formatEta(1));
        assertEquals("59s", ProgressBar.formatEta(58_500_000_000L));
        assertEquals("1m00s", ProgressBar.formatEta(59_000_000_001L));
        assertEquals("1m05s", ProgressBar.formatEta(65_000_000_000L));
        assertEquals("59m59s", ProgressBar.formatEta(3_599_000_000_000L));
        assertEquals("1h00m", ProgressBar.formatEta(3_600_000_000_000L));
        assertEquals("2h03m", ProgressBar.formatEta((2 * 3600 + 3 * 60 + 30) * 1_000_000_000L));
    }

    @Test
    void offPrintsNothing() {
        ProgressBar bar = bar(ProgressBar.Style.OFF, ProgressBar.Unit.COUNT);
        bar.onProgress("embed", 0, 4);
        clock.addAndGet(20_000_000_000L);
        bar.onProgress("embed", 2, 4);
        bar.onProgress("embed", 4, 4);
        bar.finish();
        assertEquals("", sink.toString());
    }

    @Test
    void ciAndDumbTerminalsAreNotInteractive() {
        assertFalse(ProgressBar.stderrIsTerminal(Map.of("CI", "true", "TERM", "xterm")));
        assertFalse(ProgressBar.stderrIsTerminal(Map.of("TERM", "dumb")));
        assertFalse(ProgressBar.stderrIsTerminal(Map.of()));
    }
}
