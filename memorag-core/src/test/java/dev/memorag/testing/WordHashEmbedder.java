package dev.memorag.testing;

import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.Embedder;
import dev.memorag.api.ProgressListener;
import java.util.List;
import java.util.Locale;

/**
 * A fast deterministic embedder for index tests: lower-cased words (letters and digits) hashed into {@code dimension}
 * buckets, L2-normalised, so texts sharing words are close.
 *
 * <p>Thread-safety: immutable.
 */
public final class WordHashEmbedder implements Embedder {
    private final String id;
    private final int dimension;

    public WordHashEmbedder(String id, int dimension) {
        this.id = id;
        this.dimension = dimension;
    }

    @Override
    public float[][] embed(List<String> texts, EmbedPurpose purpose, ProgressListener progress) {
        float[][] out = new float[texts.size()][dimension];
        for (int i = 0; i < texts.size(); i++) {
            for (String w : texts.get(i).toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
                if (!w.isEmpty()) {
                    out[i][Math.floorMod(w.hashCode(), dimension)] += 1;
                }
            }
            double s = 0;
            for (float x : out[i]) {
                s += x * x;
            }
            for (int d = 0; d < dimension && s > 0; d++) {
                out[i][d] /= (float) Math.sqrt(s);
            }
            progress.onProgress("embed", i + 1, texts.size());
        }
        return out;
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public String id() {
        return id;
    }
}
