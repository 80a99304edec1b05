package dev.memorag.cli;

import java.util.List;

/**
 * Extra top-level subcommands found on the class path through {@link java.util.ServiceLoader}: the unpublished
 * {@code memorag-bench} module adds {@code bench} and {@code eval} this way, so the published CLI does not depend on it.
 *
 * <p>Implementations are stateless; {@link #commands()} returns fresh picocli command objects on every call.
 */
public interface CliExtension {

    /** Picocli command objects (annotated with {@code @Command}) to add under {@code memorag}. */
    List<Object> commands();
}
