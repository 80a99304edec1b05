package dev.memorag.retrieval.graph;

import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.Embedder;
import dev.memorag.api.ProgressListener;
import java.util.List;

/** Deterministic test embedder: L2-normalised hashed character trigrams, so similar strings have high cosine. */
class TrigramEmbedder implements Embedder {
    static final int DIM = 64;
    int calls;
    int textsEmbedded;

    @Override
    public float[][] embed(List<String> texts, EmbedPurpose purpose, ProgressListener progress) {
        calls++;
        textsEmbedded += texts.size();
        float[][] out = new float[texts.size()][];
        for (int t = 0; t < texts.size(); t++) {
            String s = "  " + texts.get(t).toLowerCase(java.util.Locale.ROOT) + "  ";
            float[] v = new float[DIM];
            for (int i = 0; i + 3 <= s.length(); i++) {
                v[Math.floorMod(s.substring(i, i + 3).hashCode() * 31 + 7, DIM)] += 1;
            }
            double n = 0;
            for (float x : v) {
                n += x * x;
            }
            for (int i = 0; i < DIM; i++) {
                v[i] /= (float) Math.sqrt(n);
            }
            out[t] = v;
        }
        progress.onProgress("embed", texts.size(), texts.size());
        return out;
    }

    @Override
    public int dimension() {
        return DIM;
    }

    @Override
    public String id() {
        return "test-trigram";
    }
}
