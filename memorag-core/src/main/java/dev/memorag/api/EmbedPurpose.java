package dev.memorag.api;

/**
 * Whether texts are embedded as search queries or as passages; embedders may add a query instruction prefix.
 *
 * <p>Thread-safety: immutable.
 */
public enum EmbedPurpose {
    QUERY, PASSAGE
}
