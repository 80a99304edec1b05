/**
 * Text side of local models: the checkpoint tokenizer ({@link dev.memorag.memory.text.TextTokenizer}, DJL's Hugging
 * Face tokenizers binding), chat templates rendered with Hugging Face semantics
 * ({@link dev.memorag.memory.text.ChatTemplate}, Jinjava plus Python string methods, keyword {@code namespace(...)}
 * and reversed slices) and streamed detokenisation with stop strings ({@link dev.memorag.memory.text.TextStream}).
 */
package dev.memorag.memory.text;
