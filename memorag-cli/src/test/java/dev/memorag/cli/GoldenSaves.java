package dev.memorag.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.memorag.MemoRAG;
import dev.memorag.MemoRAGBuilder;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.Document;
import dev.memorag.api.Hit;
import dev.memorag.api.MemoryModel;
import dev.memorag.memory.beacon.BeaconCheckpoint;
import dev.memorag.memory.beacon.BeaconMemoryModel;
import dev.memorag.memory.lm.ModelFamily;
import dev.memorag.memory.lm.RandomCheckpoint;
import dev.memorag.memory.state.StorageType;
import dev.memorag.pipeline.QueryOptions;
import dev.memorag.pipeline.Recollection;
import dev.memorag.testing.TestData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The golden save directories in {@code src-test-data/saves}: how they were made, and how a test rebuilds their
 * components. Each golden is {@code <name>/save} (a save directory as {@code memorize} writes it) and
 * {@code <name>/expected.json} (what loading it must give: documents, chunk count, memory statistics, and the
 * evidence {@code recall} retrieves for {@link #QUESTION}). Regenerate (only when a new format version is introduced,
 * into a new directory, keeping the old ones) with {@code -Dmemorag.goldenSaves=DIR} on {@code GoldenSaveTest}.
 *
 * <p>Thread-safety: stateless.
 */
final class GoldenSaves {
    static final String QUESTION = "What did the White Rabbit take out of its waistcoat pocket?";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The goldens' kinds: a tiny beacon memory over the default hybrid index, and plain RAG over a dense index. */
    enum Kind {
        BEACON_HYBRID, RAG_DENSE
    }

    private GoldenSaves() {
    }

    /** The memorised text: the opening of Alice's first chapter (a few hundred tokens). */
    static String text() {
        String book = DemoCommand.readBook();
        int start = book.indexOf("CHAPTER I. Down the Rabbit-Hole");
        return book.substring(start, start + 1_200);
    }

    /** The tiny beacon memory model of the goldens, written into {@code dir} (seeded: always the same weights). */
    static MemoryModel memoryModel(Path dir) {
        Path beacon = dir.resolve("beacon");
        if (!Files.isDirectory(beacon)) {
            RandomCheckpoint.write(beacon, ModelFamily.QWEN2, RandomCheckpoint.Shape.TINY, 11);
            BeaconCheckpoint.addBeacon(beacon, 4, 128, 13);
        }
        return BeaconMemoryModel.load(beacon, null, 0, StorageType.FLOAT32);
    }

    static QueryOptions recallOptions() {
        return QueryOptions.builder().clueTokens(8).build();
    }

    /** The builder a golden of {@code kind} is written and loaded with ({@code memory} null for RAG). */
    static MemoRAGBuilder builder(Kind kind, MemoryModel memory) {
        MemoRAGBuilder b = MemoRAG.builder().chunkTokens(64);
        if (kind == Kind.BEACON_HYBRID) {
            b.memoryModel(memory).chunkIndex(ChunkIndexKind.HYBRID);
        } else {
            b.chunkIndex(ChunkIndexKind.DENSE);
        }
        return b;
    }

    /** What a loaded golden must report. */
    static Map<String, Object> observe(MemoRAG rag) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("documents", rag.documentIds());
        m.put("chunks", rag.chunks().size());
        m.put("memory_stats", rag.memoryStats() == null ? null : rag.memoryStats().toString());
        Recollection r = rag.recall(QUESTION, recallOptions());
        m.put("clues", r.clues());
        m.put("evidence", r.evidence().stream().map(Hit::chunk).map(c -> c.id()).toList());
        return m;
    }

    /** Writes the golden of {@code kind} into {@code dir}, with its expected observations. */
    static void write(Kind kind, Path dir, Path models) throws IOException {
        try (MemoryModel memory = kind == Kind.BEACON_HYBRID ? memoryModel(models) : null;
                MemoRAG rag = builder(kind, memory).build()) {
            rag.memorize(List.of(new Document("alice", text())), dir.resolve("save"));
            JSON.writeValue(dir.resolve("expected.json").toFile(), observe(rag));
        }
    }

    /** A copy of golden {@code name}'s save directory at {@code target}, for tests that change it (never in place). */
    static Path copy(String name, Path target) {
        Path from = TestData.path("saves/" + name + "/save");
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path to = target.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }
}
