package dev.memorag.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Fills a save's payload: called by {@link SaveDirectory#write} with an empty temporary directory, it writes the
 * components' files (conventionally one sub-directory per component). It must not write {@code manifest.json}, must
 * not create links, and must not keep using the directory after returning.
 *
 * <p>Thread-safety: called once, on the writing thread.
 */
@FunctionalInterface
public interface PayloadWriter {

    /**
     * Writes the payload files under {@code dir}.
     *
     * @throws IOException on a write failure; the save is then abandoned and the previous one kept
     */
    void write(Path dir) throws IOException;
}
