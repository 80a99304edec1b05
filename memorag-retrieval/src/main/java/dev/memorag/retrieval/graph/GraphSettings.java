package dev.memorag.retrieval.graph;

import dev.memorag.error.InvalidInputException;

/**
 * How synonym edges are built.
 *
 * <p>Thread-safety: immutable.
 *
 * @param synonymThreshold minimum cosine for a synonym edge (HippoRAG 2: 0.8)
 * @param maxSynonyms at most this many nearest neighbours per phrase (HippoRAG 2: 100)
 * @param minSynonymChars phrases with fewer letters and digits get no synonym edges (HippoRAG 2 skips ≤ 2, i.e. 3)
 */
public record GraphSettings(double synonymThreshold, int maxSynonyms, int minSynonymChars) {
    /** HippoRAG 2's values. */
    public static final GraphSettings DEFAULT = new GraphSettings(0.8, 100, 3);

    public GraphSettings {
        if (!(synonymThreshold > -1 && synonymThreshold <= 1)) {
            throw new InvalidInputException("GraphSettings.synonymThreshold must be in (-1, 1], was " + synonymThreshold);
        }
        if (maxSynonyms < 0) {
            throw new InvalidInputException("GraphSettings.maxSynonyms must be >= 0, was " + maxSynonyms);
        }
        if (minSynonymChars < 0) {
            throw new InvalidInputException("GraphSettings.minSynonymChars must be >= 0, was " + minSynonymChars);
        }
    }
}
