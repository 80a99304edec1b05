/** The format-neutral view of a checkpoint's tensors ({@link dev.memorag.tensor.TensorSource}). */
package dev.memorag.tensor;
