/**
 * The decoder runtime: Qwen2, Mistral and Llama(-3) checkpoints from Hugging Face directories, executed on DJL's
 * PyTorch engine.
 *
 * <p>Plain-Java entry points (no NDArray in their signatures): {@link dev.memorag.memory.lm.CausalLm} (forward,
 * KV-cached sessions, generation), {@link dev.memorag.memory.lm.ModelConfig}, {@link dev.memorag.memory.lm.Sampler},
 * {@link dev.memorag.memory.lm.DecodingLoop}, {@link dev.memorag.memory.lm.RandomCheckpoint}.
 *
 * <p>Internal NDArray-level layer, shared with the beacon memory model (which adds only its beacon embedding, beacon
 * q/k/v projections and KV state machine) and not meant for applications:
 * {@link dev.memorag.memory.lm.DecoderModel}, {@link dev.memorag.memory.lm.DecoderLayer},
 * {@link dev.memorag.memory.lm.Ops}, {@link dev.memorag.memory.lm.KvCache},
 * {@link dev.memorag.memory.lm.WeightLoader}, {@link dev.memorag.memory.lm.Projection},
 * {@link dev.memorag.memory.lm.LayerWeights}.
 *
 * <p>Device and precision: {@link dev.memorag.memory.lm.RuntimeOptions} (what the user asks for) becomes a
 * {@link dev.memorag.memory.lm.RuntimePlan} (what runs: CPU or CUDA, fp32, fp16 or int8). int8 is weight-only and
 * CPU-only: the linear layers, embedding and LM head are quantised at load, row by row from the file, into
 * {@link dev.memorag.memory.lm.quant.Int8Matrix} (Java heap, 1.0625 bytes per weight); decoding runs its kernel
 * (Vector API when the JVM has {@code --add-modules jdk.incubator.vector}, else a scalar fallback), prefill and
 * memorising dequantise row blocks for PyTorch's GEMM. Before loading, {@link dev.memorag.memory.lm.MemoryBudget}
 * refuses plans the machine cannot hold. Every op attaches its result to the manager of its first activation
 * argument, so a caller scopes memory by creating activations in a sub-manager of
 * {@link dev.memorag.memory.lm.DecoderModel#newScope()} and closing it.
 *
 * <p>Native library: this module depends on {@code ai.djl.pytorch:pytorch-engine} only. Applications add the native
 * flavour at runtime: {@code ai.djl.pytorch:pytorch-native-cpu} (classifier {@code linux-x86_64}) plus
 * {@code ai.djl.pytorch:pytorch-jni}, as the CLI does. For CUDA, replace the CPU artifact by the CUDA flavour DJL
 * publishes for PyTorch 2.7.1 and your driver ({@code pytorch-native-cuNNN}, e.g. {@code cu128}, classifier
 * {@code linux-x86_64}), or let DJL pick one at runtime with the {@code PYTORCH_FLAVOR} environment variable. {@link dev.memorag.memory.lm.RuntimeOptions.DeviceChoice#AUTO} then picks the GPU and
 * float16 weights (norms and softmax stay float32).
 */
package dev.memorag.memory.lm;
