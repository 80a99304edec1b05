package dev.memorag.retrieval.embed;

import ai.djl.Device;
import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Embedder;
import dev.memorag.spi.DjlNatives;
import dev.memorag.spi.EmbedderProvider;
import dev.memorag.spi.ProviderOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Resolves embedder references without the network: the bundled {@code bge-small-en-v1.5-q} and
 * {@code bge-small-zh-v1.5-q} (optionally prefixed {@code BAAI/}), a local directory holding an {@code .onnx} model and
 * {@code tokenizer.json}, or a local BERT / XLM-R safetensors checkpoint directory.
 *
 * <p>Options: {@code pooling} ({@code cls}|{@code mean}), {@code query_prefix}, {@code batch_size},
 * {@link ProviderOptions#DEVICE} (safetensors only).
 *
 * <p>Thread-safety: stateless.
 */
public final class LocalEmbedderProvider implements EmbedderProvider {
    public static final String POOLING = "pooling";
    public static final String QUERY_PREFIX = "query_prefix";
    public static final String BATCH_SIZE = "batch_size";

    @Override
    public boolean supports(String reference) {
        if (bundledName(reference) != null) {
            return true;
        }
        Path dir = asDir(reference);
        return dir != null && (onnxFile(dir) != null || SafetensorsEmbedder.looksLikeCheckpoint(dir));
    }

    @Override
    public Embedder create(String reference, ProviderOptions options) {
        String bundled = bundledName(reference);
        Pooling pooling = options.get(POOLING).map(LocalEmbedderProvider::pooling).orElse(Pooling.CLS);
        if (bundled != null) {
            OnnxEmbedder.Builder b = Embedders.bundled(bundled).pooling(pooling)
                    .batchSize(options.intValue(BATCH_SIZE, 16));
            options.get(QUERY_PREFIX).ifPresent(b::queryPrefix);
            return b.build();
        }
        Path dir = asDir(reference);
        if (dir == null) {
            throw new InvalidInputException("embedder reference '" + reference + "' is not a directory");
        }
        Path onnx = onnxFile(dir);
        if (onnx != null) {
            OnnxEmbedder.Builder b = OnnxEmbedder.builder(onnx, dir.resolve("tokenizer.json"))
                    .id(dir.toAbsolutePath().normalize().getFileName().toString()).pooling(pooling)
                    .batchSize(options.intValue(BATCH_SIZE, 16));
            options.get(QUERY_PREFIX).ifPresent(b::queryPrefix);
            return b.build();
        }
        Device device = device(options.get(ProviderOptions.DEVICE).orElse("auto"));
        SafetensorsEmbedder.Builder b = SafetensorsEmbedder.builder(dir).pooling(pooling)
                .batchSize(options.intValue(BATCH_SIZE, 8)).device(device)
                .dtype(dtype(options.get(ProviderOptions.DTYPE).orElse(null), device));
        options.get(QUERY_PREFIX).ifPresent(b::queryPrefix);
        return b.build();
    }

    /** {@code cpu}, {@code cuda} (or {@code gpu}), {@code auto}: the GPU when the PyTorch engine sees one. */
    static Device device(String name) {
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "cpu":
                return Device.cpu();
            case "cuda": case "gpu":
                if (gpuCount() == 0) {
                    throw new dev.memorag.error.ModelException("device cuda requested but the PyTorch engine sees no "
                            + "GPU (put a CUDA flavour of pytorch-native on the class path, or use cpu or auto)");
                }
                return Device.gpu();
            case "auto":
                return gpuCount() > 0 ? Device.gpu() : Device.cpu();
            default:
                throw new InvalidInputException("option 'device' must be cpu, cuda or auto, was '" + name + "'");
        }
    }

    private static int gpuCount() {
        return DjlNatives.start("a safetensors embedder",
                () -> ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount());
    }

    /**
     * The encoder's type for the {@code dtype} option: fp32, fp16 (default on CUDA), int8. The encoder has no int8
     * kernel (it is small: 33M parameters for bge-small), so int8, given for the whole pipeline, runs it in fp32 on
     * the CPU and fp16 on CUDA.
     */
    static ai.djl.ndarray.types.DataType dtype(String name, Device device) {
        if (name == null || name.trim().equalsIgnoreCase("int8") || name.trim().equalsIgnoreCase("q8")) {
            return device.isGpu() ? ai.djl.ndarray.types.DataType.FLOAT16 : ai.djl.ndarray.types.DataType.FLOAT32;
        }
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "fp32": case "float32": case "f32":
                return ai.djl.ndarray.types.DataType.FLOAT32;
            case "fp16": case "float16": case "f16": case "half":
                return ai.djl.ndarray.types.DataType.FLOAT16;
            default:
                throw new InvalidInputException("option 'dtype' must be fp32, fp16 or int8, was '" + name + "'");
        }
    }

    private static Pooling pooling(String s) {
        try {
            return Pooling.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("option 'pooling' must be cls or mean, was '" + s + "'");
        }
    }

    private static String bundledName(String reference) {
        String r = reference.startsWith("BAAI/") ? reference.substring(5) : reference;
        return r.equals(Embedders.BGE_SMALL_EN) || r.equals(Embedders.BGE_SMALL_ZH) ? r : null;
    }

    private static Path asDir(String reference) {
        try {
            Path p = Path.of(reference);
            return Files.isDirectory(p) ? p : null;
        } catch (InvalidPathException e) {
            return null;
        }
    }

    /** The single {@code .onnx} file in {@code dir} ({@code model.onnx} preferred), or null. */
    private static Path onnxFile(Path dir) {
        if (Files.isRegularFile(dir.resolve("model.onnx"))) {
            return dir.resolve("model.onnx");
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> l = s.filter(p -> p.getFileName().toString().endsWith(".onnx")).sorted().toList();
            return l.isEmpty() ? null : l.get(0);
        } catch (IOException e) {
            return null;
        }
    }
}
