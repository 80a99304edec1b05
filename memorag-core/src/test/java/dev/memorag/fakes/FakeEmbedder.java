package dev.memorag.fakes;

import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.Embedder;
import dev.memorag.api.ProgressListener;
import java.util.List;

/** Embeds nothing useful (the fake index scores by word overlap); it only has an id and a dimension to check. */
public final class FakeEmbedder implements Embedder {
    private final String id;

    public FakeEmbedder(String id) {
        this.id = id;
    }

    @Override
    public float[][] embed(List<String> texts, EmbedPurpose purpose, ProgressListener progress) {
        float[][] out = new float[texts.size()][4];
        for (float[] row : out) {
            row[0] = 1;
        }
        return out;
    }

    @Override
    public int dimension() {
        return 4;
    }

    @Override
    public String id() {
        return id;
    }
}
