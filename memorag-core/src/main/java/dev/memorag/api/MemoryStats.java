package dev.memorag.api;

/**
 * Size of a memory after memorising.
 *
 * <p>Thread-safety: immutable.
 *
 * @param tokensRead raw tokens the memory model has read (model tokenizer)
 * @param kvEntries KV-cache entries held per layer (beacons plus raw tail)
 * @param bytes bytes of K/V (or gist) state held
 * @param compressionRatio tokensRead / kvEntries (1 for an uncompressed cache)
 */
public record MemoryStats(long tokensRead, long kvEntries, long bytes, double compressionRatio) {
}
