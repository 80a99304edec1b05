/**
 * {@code memorag serve}: an OpenAI-compatible HTTP server ({@link dev.memorag.generation.server.ChatServer}) on the
 * JDK's built-in HTTP server, answering through a {@link dev.memorag.generation.server.ChatBackend}. The MemoRAG
 * pipeline is one backend (answers carry their evidence); {@link dev.memorag.generation.server.GeneratorBackend}
 * serves any {@link dev.memorag.api.Generator}.
 */
package dev.memorag.generation.server;
