package dev.memorag.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.tensor.TensorSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads tensors from a safetensors checkpoint: a single {@code .safetensors} file, or a directory holding either
 * {@code model.safetensors} or a sharded checkpoint described by {@code model.safetensors.index.json}.
 *
 * <p>Headers are validated when opening (length, JSON, dtypes, offsets within the file, sizes matching shapes, no
 * overlaps). Tensor data is memory-mapped on access, never loaded eagerly; {@link #readFloats} converts F32, F16, BF16
 * and F64 to {@code float}.
 *
 * <p>Thread-safety: thread-safe after opening; {@link #close()} must not race with reads.
 */
public final class SafetensorsReader implements TensorSource {
    /** Largest header accepted (the format's own limit is 100 MB). */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;
    private final Map<Path, FileChannel> channels;
    private volatile boolean closed;

    private SafetensorsReader(Map<String, TensorInfo> tensors, Map<String, String> metadata,
            Map<Path, FileChannel> channels) {
        this.tensors = tensors;
        this.metadata = metadata;
        this.channels = channels;
    }

    /**
     * Opens a checkpoint: a {@code .safetensors} file, a {@code *.safetensors.index.json} of a sharded checkpoint, or
     * a directory holding {@code model.safetensors.index.json} (preferred) or {@code model.safetensors}.
     *
     * @throws dev.memorag.error.InvalidInputException when the path does not exist or holds no safetensors
     * @throws CorruptDataException when a header is damaged
     */
    public static SafetensorsReader open(Path path) {
        if (!Files.exists(path)) {
            throw new InvalidInputException("safetensors path does not exist: " + path);
        }
        List<Path> files = new ArrayList<>();
        Path index = null;
        if (Files.isDirectory(path)) {
            Path candidate = path.resolve("model.safetensors.index.json");
            Path single = path.resolve("model.safetensors");
            if (Files.isRegularFile(candidate)) {
                index = candidate;
            } else if (Files.isRegularFile(single)) {
                files.add(single);
            } else {
                throw new InvalidInputException("no model.safetensors or model.safetensors.index.json in " + path);
            }
        } else if (path.getFileName().toString().endsWith(".safetensors.index.json")) {
            index = path; // the index of a sharded checkpoint given directly
        } else {
            files.add(path);
        }
        Map<String, String> weightMap = Map.of();
        if (index != null) {
            weightMap = weightMap(index);
            for (String shard : new TreeSet<>(weightMap.values())) {
                files.add(index.resolveSibling(shard));
            }
        }
        Map<String, TensorInfo> tensors = new TreeMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<Path, FileChannel> channels = new LinkedHashMap<>();
        Path current = null;
        try {
            for (Path f : files) {
                current = f;
                FileChannel ch = FileChannel.open(f, StandardOpenOption.READ);
                channels.put(f, ch);
                readHeader(f, ch, tensors, metadata);
            }
            if (index != null) {
                checkWeightMap(index, weightMap, tensors);
            }
        } catch (IOException e) {
            closeAll(channels);
            if (e instanceof NoSuchFileException) {
                throw index != null
                        ? new CorruptDataException(index + " names shard " + current + ", which is missing", e)
                        : new InvalidInputException("safetensors file missing: " + current, e);
            }
            throw new CorruptDataException("cannot read safetensors file " + current + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeAll(channels);
            throw e;
        }
        return new SafetensorsReader(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata),
                channels);
    }

    /** The index's tensor-to-shard map; shard names must be plain file names beside the index. */
    private static Map<String, String> weightMap(Path index) {
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (IOException e) {
            throw new CorruptDataException(index + ": invalid JSON: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new CorruptDataException(index + ": field 'weight_map' missing or empty");
        }
        Map<String, String> out = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            String shard = v.isTextual() ? v.textValue() : null;
            if (shard == null || shard.isEmpty() || shard.equals(".") || shard.equals("..") || shard.contains("/")
                    || shard.contains("\\")) {
                throw new CorruptDataException(index + ": field 'weight_map." + e.getKey()
                        + "' is not a shard file name: " + v);
            }
            out.put(e.getKey(), shard);
        }
        return out;
    }

    /** Every tensor the index names must be in the shard it names, and every tensor read must be indexed. */
    private static void checkWeightMap(Path index, Map<String, String> weightMap, Map<String, TensorInfo> tensors) {
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            TensorInfo t = tensors.get(e.getKey());
            if (t == null) {
                throw new CorruptDataException(index + ": tensor '" + e.getKey() + "' is not in shard "
                        + e.getValue());
            }
            if (!t.file().getFileName().toString().equals(e.getValue())) {
                throw new CorruptDataException(index + ": tensor '" + e.getKey() + "' is listed in shard "
                        + e.getValue() + " but found in " + t.file().getFileName());
            }
        }
        for (String name : tensors.keySet()) {
            if (!weightMap.containsKey(name)) {
                throw new CorruptDataException(index + ": tensor '" + name + "' of " + tensors.get(name).file()
                        .getFileName() + " is missing from weight_map");
            }
        }
    }

    private static void readHeader(Path file, FileChannel ch, Map<String, TensorInfo> out, Map<String, String> meta)
            throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new CorruptDataException(file + ": file too short for a safetensors header (" + size + " bytes)");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0, file);
        long headerLen = lenBuf.getLong(0);
        if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || headerLen > size - 8) {
            throw new CorruptDataException(file + ": header length " + headerLen + " is invalid for a file of " + size
                    + " bytes (truncated or not a safetensors file)");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
        readFully(ch, hb, 8, file);
        JsonNode root;
        try {
            root = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CorruptDataException(file + ": header is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CorruptDataException(file + ": header is not a JSON object");
        }
        long dataStart = 8 + headerLen;
        long dataLen = size - dataStart;
        List<long[]> ranges = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode t = e.getValue();
            if (name.equals("__metadata__")) {
                t.fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            String where = file + ": tensor '" + name + "'";
            JsonNode dt = t.get("dtype");
            JsonNode shapeNode = t.get("shape");
            JsonNode offs = t.get("data_offsets");
            if (dt == null || shapeNode == null || !shapeNode.isArray() || offs == null || !offs.isArray()
                    || offs.size() != 2) {
                throw new CorruptDataException(where + ": needs dtype, shape and two data_offsets");
            }
            DType dtype = DType.parse(dt.asText(), where);
            long[] shape = new long[shapeNode.size()];
            long bytes = dtype.bytes();
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = shapeNode.get(i);
                if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
                    throw new CorruptDataException(where + ": invalid dimension " + d + " in shape " + shapeNode);
                }
                shape[i] = d.longValue();
                try {
                    bytes = Math.multiplyExact(bytes, shape[i]);
                } catch (ArithmeticException overflow) {
                    throw new CorruptDataException(where + ": shape " + shapeNode + " is too large");
                }
            }
            JsonNode b0 = offs.get(0);
            JsonNode b1 = offs.get(1);
            if (!b0.isIntegralNumber() || !b1.isIntegralNumber() || !b0.canConvertToLong() || !b1.canConvertToLong()) {
                throw new CorruptDataException(where + ": data_offsets must be two integers, was " + offs);
            }
            long begin = b0.longValue();
            long end = b1.longValue();
            if (begin < 0 || end < begin || end > dataLen) {
                throw new CorruptDataException(where + ": data_offsets [" + begin + ", " + end
                        + "] outside the data section of " + dataLen + " bytes (file truncated?)");
            }
            if (end - begin != bytes) {
                throw new CorruptDataException(where + ": " + (end - begin) + " bytes do not match shape "
                        + java.util.Arrays.toString(shape) + " of " + dtype);
            }
            if (out.containsKey(name)) {
                throw new CorruptDataException(where + ": tensor defined twice");
            }
            if (end > begin) { // empty tensors occupy no bytes and cannot overlap anything
                ranges.add(new long[] {begin, end});
            }
            out.put(name, new TensorInfo(name, dtype, shape, file, dataStart + begin, end - begin));
        }
        ranges.sort((a, b) -> Long.compare(a[0], b[0]));
        for (int i = 1; i < ranges.size(); i++) {
            if (ranges.get(i)[0] < ranges.get(i - 1)[1]) {
                throw new CorruptDataException(file + ": tensor data ranges overlap at byte " + ranges.get(i)[0]
                        + " of the data section");
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                throw new CorruptDataException(file + ": unexpected end of file at byte " + (pos + buf.position()));
            }
        }
    }

    /** Names of all tensors, sorted. */
    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The {@code __metadata__} entries of all files. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Location and shape of {@code name}. */
    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new InvalidInputException("tensor '" + name + "' not found in checkpoint (has " + tensors.size()
                    + " tensors)");
        }
        return t;
    }

    /** A read-only little-endian view of the tensor's raw bytes (memory-mapped). */
    public ByteBuffer raw(String name) {
        ensureOpen();
        TensorInfo t = info(name);
        if (t.length() > Integer.MAX_VALUE) {
            throw new InvalidInputException("tensor '" + name + "' is larger than 2 GiB; read it in slices");
        }
        try {
            return channels.get(t.file()).map(FileChannel.MapMode.READ_ONLY, t.offset(), t.length())
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new CorruptDataException(t.file() + ": cannot map tensor '" + name + "': " + e.getMessage(), e);
        }
    }

    @Override
    public long[] shape(String name) {
        return info(name).shape();
    }

    /** The tensor's values as floats, converted from F32, F16, BF16 or F64 (row-major). */
    @Override
    public float[] readFloats(String name) {
        TensorInfo t = info(name);
        if (!t.dtype().isFloat()) {
            throw new InvalidInputException("tensor '" + name + "' has dtype " + t.dtype() + ", not a float type");
        }
        ByteBuffer b = raw(name);
        int n = Math.toIntExact(t.elementCount());
        float[] out = new float[n];
        switch (t.dtype()) {
            case F32 -> b.asFloatBuffer().get(out);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Half.toFloat(b.getShort(i * 2));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16);
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) b.getDouble(i * 8);
                }
            }
            default -> throw new IllegalStateException(t.dtype().name());
        }
        return out;
    }

    private void ensureOpen() {
        if (closed) {
            throw new StateException("SafetensorsReader is closed");
        }
    }

    /** Closes all files; idempotent. Buffers returned by {@link #raw} stay valid until garbage-collected. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            closeAll(channels);
        }
    }

    private static void closeAll(Map<Path, FileChannel> channels) {
        for (FileChannel c : channels.values()) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing a read-only channel cannot lose data
            }
        }
    }
}
