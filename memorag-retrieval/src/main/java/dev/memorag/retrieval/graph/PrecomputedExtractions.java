package dev.memorag.retrieval.graph;

import dev.memorag.api.Chunk;
import dev.memorag.api.ProgressListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Serves extraction results computed elsewhere (HippoRAG's OpenIE JSON), matched to chunks by exact passage text. A
 * chunk with no precomputed result is reported as FAILED.
 *
 * <p>Thread-safety: immutable after construction.
 */
public final class PrecomputedExtractions implements TripleExtractor {
    private final Map<String, OpenIeImport.Document> byPassage = new HashMap<>();
    private final String source;

    private PrecomputedExtractions(List<OpenIeImport.Document> docs, String source) {
        for (OpenIeImport.Document d : docs) {
            byPassage.putIfAbsent(d.passage(), d);
        }
        this.source = source;
    }

    /** Reads a HippoRAG OpenIE file (see {@link OpenIeImport}). */
    public static PrecomputedExtractions fromOpenIe(Path file) {
        return new PrecomputedExtractions(OpenIeImport.read(file), file.toString());
    }

    /** Number of distinct passages with results. */
    public int size() {
        return byPassage.size();
    }

    @Override
    public List<ExtractionResult> extract(List<Chunk> chunks, ProgressListener progress) {
        List<ExtractionResult> out = new ArrayList<>(chunks.size());
        for (Chunk c : chunks) {
            OpenIeImport.Document d = byPassage.get(c.text());
            if (d == null) {
                out.add(new ExtractionResult(c, ExtractionResult.Status.FAILED, List.of(), List.of(), 0,
                        "no precomputed extraction for this passage text in " + source));
            } else if (!d.problems().isEmpty()) {
                out.add(new ExtractionResult(c, ExtractionResult.Status.REPAIRED, d.entities(), d.triples(), 0,
                        String.join("; ", d.problems())));
            } else {
                out.add(new ExtractionResult(c, ExtractionResult.Status.OK, d.entities(), d.triples(), 0, ""));
            }
            progress.onProgress("graph extract", out.size(), chunks.size());
        }
        return out;
    }
}
