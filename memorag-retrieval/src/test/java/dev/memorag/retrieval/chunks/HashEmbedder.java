package dev.memorag.retrieval.chunks;

import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.Embedder;
import dev.memorag.api.ProgressListener;
import dev.memorag.retrieval.lexical.WordTokenizer;
import java.util.List;

/** A fast deterministic test embedder: hashed bag of words, L2-normalised. */
final class HashEmbedder implements Embedder {
    private final String id;
    private final int dim;

    HashEmbedder(String id, int dim) {
        this.id = id;
        this.dim = dim;
    }

    @Override
    public float[][] embed(List<String> texts, EmbedPurpose purpose, ProgressListener progress) {
        float[][] out = new float[texts.size()][dim];
        for (int i = 0; i < texts.size(); i++) {
            for (String w : WordTokenizer.tokenize(texts.get(i))) {
                out[i][Math.floorMod(w.hashCode(), dim)] += 1;
            }
            double s = 0;
            for (float x : out[i]) {
                s += x * x;
            }
            for (int d = 0; d < dim && s > 0; d++) {
                out[i][d] /= (float) Math.sqrt(s);
            }
            progress.onProgress("embed", i + 1, texts.size());
        }
        return out;
    }

    @Override
    public int dimension() {
        return dim;
    }

    @Override
    public String id() {
        return id;
    }
}
