package dev.memorag.spi;

/**
 * Creates a component from a reference string (a path, a hub id, a URL, a short name). Modules register providers
 * with {@link java.util.ServiceLoader} under one of the sub-interfaces, so {@code memorag-core} never depends on them.
 *
 * <p>Thread-safety: implementations must be thread-safe and stateless.
 *
 * @param <T> the component type
 */
public interface ComponentProvider<T> {

    /** Whether this provider understands {@code reference}. Must be cheap and must not touch the network. */
    boolean supports(String reference);

    /** Creates the component. Called only when {@link #supports} returned true. */
    T create(String reference, ProviderOptions options);

    /** Higher wins when several providers support a reference. */
    default int priority() {
        return 0;
    }
}
