package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.memorag.MemoRAG;
import dev.memorag.api.MemoryModel;
import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.store.SaveFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backward compatibility: every golden save in {@code src-test-data/saves} (see {@link GoldenSaves}) either loads
 * and reports what it reported when it was written, or, for a layout this version no longer reads, is refused with a
 * message that says to re-memorise. A renamed or dropped field of the format fails here.
 */
class GoldenSaveTest {
    private static final Path SAVES = Path.of(System.getProperty("memorag.testdata", "../src-test-data"), "saves");

    @TempDir
    static Path models;

    static Stream<Arguments> goldens() throws IOException {
        try (Stream<Path> s = Files.list(SAVES)) {
            return s.filter(Files::isDirectory).sorted().map(d -> Arguments.of(d.getFileName().toString(), d))
                    .toList().stream();
        }
    }

    private static GoldenSaves.Kind kindOf(String name) {
        return name.contains("rag-dense") ? GoldenSaves.Kind.RAG_DENSE : GoldenSaves.Kind.BEACON_HYBRID;
    }

    private static int formatVersion(Path save) throws IOException {
        return GoldenSaves.JSON.readTree(save.resolve(SaveFormat.MANIFEST).toFile()).path("format_version").asInt();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void everyGoldenLoadsAsItWasWrittenOrIsRefusedClearly(String name, Path golden) throws IOException {
        Path save = golden.resolve("save");
        GoldenSaves.Kind kind = kindOf(name);
        try (MemoryModel memory = kind == GoldenSaves.Kind.BEACON_HYBRID ? GoldenSaves.memoryModel(models) : null) {
            if (formatVersion(save) != SaveFormat.FORMAT_VERSION) {
                UnsupportedFormatException e = org.junit.jupiter.api.Assertions.assertThrows(
                        UnsupportedFormatException.class, () -> GoldenSaves.builder(kind, memory).load(save));
                assertTrue(e.getMessage().contains("re-memorise"), e.getMessage());
                return;
            }
            Map<String, Object> expected = GoldenSaves.JSON.readValue(golden.resolve("expected.json").toFile(),
                    new TypeReference<Map<String, Object>>() { });
            try (MemoRAG rag = GoldenSaves.builder(kind, memory).load(save)) {
                assertEquals(expected, GoldenSaves.JSON.convertValue(GoldenSaves.observe(rag),
                        new TypeReference<Map<String, Object>>() { }), name);
            }
        }
    }

    @Test
    void thereIsAGoldenOfTheCurrentVersion() throws IOException {
        long current = 0;
        for (Arguments a : goldens().toList()) {
            if (formatVersion(((Path) a.get()[1]).resolve("save")) == SaveFormat.FORMAT_VERSION) {
                current++;
            }
        }
        assertTrue(current >= 2, "goldens of format version " + SaveFormat.FORMAT_VERSION + ": " + current);
    }

    /** Writes new goldens when {@code -Dmemorag.goldenSaves=DIR} is set (never in a normal build). */
    @Test
    void writeGoldensWhenAsked() throws IOException {
        String out = System.getProperty("memorag.goldenSaves");
        if (out == null) {
            return;
        }
        for (GoldenSaves.Kind k : GoldenSaves.Kind.values()) {
            GoldenSaves.write(k, Path.of(out, "v" + SaveFormat.FORMAT_VERSION + "-" + k.name()
                    .toLowerCase(Locale.ROOT).replace('_', '-')), models);
        }
    }
}
