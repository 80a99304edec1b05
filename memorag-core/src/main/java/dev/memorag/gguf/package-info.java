/**
 * GGUF checkpoints (llama.cpp's format): {@link dev.memorag.gguf.GgufFile} reads and validates the file and
 * dequantises tensors; {@link dev.memorag.gguf.GgufCheckpoint} presents a decoder checkpoint in Hugging Face terms
 * (config, tokenizer, tensor names); {@link dev.memorag.gguf.GgufWriter} writes files for round trips and tests.
 */
package dev.memorag.gguf;
