package dev.memorag.retrieval.graph;

import java.util.Objects;

/**
 * A raw (subject, relation, object) statement as extracted from a passage, before validation and normalisation.
 *
 * <p>Thread-safety: immutable.
 *
 * @param subject the subject phrase
 * @param relation the relation phrase
 * @param object the object phrase
 */
public record Triple(String subject, String relation, String object) {
    public Triple {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(relation, "relation");
        Objects.requireNonNull(object, "object");
    }
}
