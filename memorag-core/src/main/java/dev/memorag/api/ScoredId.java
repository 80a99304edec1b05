package dev.memorag.api;

/**
 * A vector-index search result: the id given when the vector was added, and its similarity score.
 *
 * <p>Thread-safety: immutable.
 *
 * @param id caller-assigned id
 * @param score similarity (inner product); higher is closer
 */
public record ScoredId(long id, float score) {
}
