package dev.memorag.fakes;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.MemoRagException;
import dev.memorag.api.Chunk;
import dev.memorag.api.ChunkIndex;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.Embedder;
import dev.memorag.api.Hit;
import dev.memorag.api.ProgressListener;
import dev.memorag.spi.ChunkIndexProvider;
import dev.memorag.spi.ProviderOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/** Scores chunks by the number of distinct lower-case words they share with the query. */
public final class FakeChunkIndex implements ChunkIndex {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<Chunk> chunks = new CopyOnWriteArrayList<>();
    private final String embedderId;
    public boolean closed;

    FakeChunkIndex(String embedderId) {
        this.embedderId = embedderId;
    }

    /** Latin words, and every Han character on its own (Chinese has no spaces). */
    private static Set<String> words(String s) {
        String spaced = s.toLowerCase(Locale.ROOT).replaceAll("(\\p{IsHan})", " $1 ");
        return new HashSet<>(Arrays.asList(spaced.split("[^\\p{L}\\p{N}]+")));
    }

    @Override
    public List<Hit> retrieve(String query, int k) {
        Set<String> q = words(query);
        q.remove("");
        List<Hit> hits = new ArrayList<>();
        for (Chunk c : chunks) {
            Set<String> w = words(c.text());
            w.retainAll(q);
            if (!w.isEmpty()) {
                hits.add(new Hit(c, w.size()));
            }
        }
        hits.sort(Comparator.comparingDouble((Hit h) -> -h.score()).thenComparing(h -> h.chunk().id()));
        return hits.subList(0, Math.min(k, hits.size()));
    }

    @Override
    public void add(List<Chunk> added, ProgressListener progress) {
        Set<String> ids = new HashSet<>();
        chunks.forEach(c -> ids.add(c.id()));
        for (Chunk c : added) {
            if (!ids.add(c.id())) {
                throw new InvalidInputException("duplicate chunk id " + c.id());
            }
        }
        chunks.addAll(added);
        progress.onProgress("index", added.size(), added.size());
    }

    @Override
    public int removeDocuments(Collection<String> documentIds) {
        int before = chunks.size();
        chunks.removeIf(c -> documentIds.contains(c.documentId()));
        return before - chunks.size();
    }

    @Override
    public List<Chunk> chunks() {
        return List.copyOf(chunks);
    }

    @Override
    public void save(Path directory) {
        try {
            JSON.writeValue(directory.resolve("fake-index.json").toFile(), Map.of("kind", "DENSE", "embedder", embedderId,
                    "chunks", chunks));
        } catch (IOException e) {
            throw new MemoRagException("cannot save fake index: " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return "fake(" + embedderId + ")";
    }

    @Override
    public void close() {
        closed = true;
    }

    /** Provider for {@link FakeChunkIndex} (kind DENSE); not registered with ServiceLoader. */
    public static final class Provider implements ChunkIndexProvider {
        public final List<FakeChunkIndex> created = new CopyOnWriteArrayList<>();

        @Override
        public ChunkIndexKind kind() {
            return ChunkIndexKind.DENSE;
        }

        @Override
        public ChunkIndex create(Embedder embedder, ProviderOptions options) {
            FakeChunkIndex i = new FakeChunkIndex(embedder.id());
            created.add(i);
            return i;
        }

        @Override
        public ChunkIndex load(Path directory, Embedder embedder) {
            try {
                var root = JSON.readTree(directory.resolve("fake-index.json").toFile());
                if (!root.get("embedder").asText().equals(embedder.id())) {
                    throw new InvalidInputException("index in " + directory + " was built with embedder '"
                            + root.get("embedder").asText() + "', not '" + embedder.id() + "'");
                }
                FakeChunkIndex i = new FakeChunkIndex(embedder.id());
                for (var n : root.get("chunks")) {
                    i.chunks.add(new Chunk(n.get("id").asText(), n.get("documentId").asText(), n.get("text").asText(),
                            n.get("start").asInt(), n.get("end").asInt(), n.get("tokenCount").asInt()));
                }
                created.add(i);
                return i;
            } catch (IOException e) {
                throw new MemoRagException("cannot load fake index: " + e.getMessage(), e);
            }
        }
    }
}
