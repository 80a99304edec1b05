package dev.memorag.api;

import java.util.List;

/**
 * Finds the chunks most relevant to a query.
 *
 * <p>Thread-safety: the library's retrievers allow concurrent queries once built.
 */
@FunctionalInterface
public interface Retriever {

    /** The {@code k} best chunks for {@code query}, best first. */
    List<Hit> retrieve(String query, int k);
}
