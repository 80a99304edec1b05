package dev.memorag.gguf;

import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF files: typed metadata and tensors whose bytes are already in their ggml encoding. Used for round trips
 * and to build small test checkpoints; the file appears atomically (temp file + rename).
 *
 * <p>Thread-safety: not thread-safe; build and write from one thread.
 */
public final class GgufWriter {
    private int version = 3;
    private int alignment = GgufFile.DEFAULT_ALIGNMENT;
    private final Map<String, Value> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();

    private record Value(GgufValueType type, GgufValueType element, Object value) { }

    private record Tensor(String name, long typeId, long[] dims, byte[] data) { }

    /** The version field written (default 3; any value, so that readers' checks can be tested). */
    public GgufWriter version(int v) {
        this.version = v;
        return this;
    }

    /** Tensor data alignment (default 32); also written as {@code general.alignment} when not 32. */
    public GgufWriter alignment(int a) {
        if (a <= 0 || Integer.bitCount(a) != 1) {
            throw new InvalidInputException("GGUF alignment must be a power of two, was " + a);
        }
        this.alignment = a;
        if (a != GgufFile.DEFAULT_ALIGNMENT) {
            putU32("general.alignment", a);
        }
        return this;
    }

    public GgufWriter putString(String key, String v) {
        return put(key, GgufValueType.STRING, null, v);
    }

    public GgufWriter putU32(String key, long v) {
        return put(key, GgufValueType.UINT32, null, v);
    }

    public GgufWriter putI32(String key, int v) {
        return put(key, GgufValueType.INT32, null, (long) v);
    }

    public GgufWriter putU64(String key, long v) {
        return put(key, GgufValueType.UINT64, null, v);
    }

    public GgufWriter putF32(String key, float v) {
        return put(key, GgufValueType.FLOAT32, null, (double) v);
    }

    public GgufWriter putBool(String key, boolean v) {
        return put(key, GgufValueType.BOOL, null, v);
    }

    public GgufWriter putStrings(String key, List<String> v) {
        return put(key, GgufValueType.ARRAY, GgufValueType.STRING, List.copyOf(v));
    }

    public GgufWriter putI32s(String key, int[] v) {
        List<Object> l = new ArrayList<>();
        for (int x : v) {
            l.add((long) x);
        }
        return put(key, GgufValueType.ARRAY, GgufValueType.INT32, l);
    }

    public GgufWriter putF32s(String key, float[] v) {
        List<Object> l = new ArrayList<>();
        for (float x : v) {
            l.add((double) x);
        }
        return put(key, GgufValueType.ARRAY, GgufValueType.FLOAT32, l);
    }

    private GgufWriter put(String key, GgufValueType type, GgufValueType element, Object v) {
        metadata.put(key, new Value(type, element, v));
        return this;
    }

    /** Adds a tensor of {@code type} with GGUF-order {@code dims} (innermost first) and encoded {@code data}. */
    public GgufWriter tensor(String name, GgmlType type, long[] dims, byte[] data) {
        return tensor(name, type.id(), dims, data);
    }

    /** As {@link #tensor(String, GgmlType, long[], byte[])} with a raw type id (to write unknown types). */
    public GgufWriter tensor(String name, long typeId, long[] dims, byte[] data) {
        tensors.add(new Tensor(name, typeId, dims.clone(), data.clone()));
        return this;
    }

    /** A float32 tensor from a row-major {@code shape} (outermost first), stored with GGUF's reversed dims. */
    public GgufWriter f32(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return tensor(name, GgmlType.F32, reverse(shape), b.array());
    }

    static long[] reverse(long[] shape) {
        long[] d = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            d[i] = shape[shape.length - 1 - i];
        }
        return d;
    }

    /** Writes the file atomically. */
    public void write(Path file) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                Counting c = new Counting(out);
                c.u32(GgufFile.MAGIC);
                c.u32(version);
                c.u64(tensors.size());
                c.u64(metadata.size());
                for (Map.Entry<String, Value> e : metadata.entrySet()) {
                    c.string(e.getKey());
                    Value v = e.getValue();
                    c.u32(v.type().ordinal());
                    if (v.type() == GgufValueType.ARRAY) {
                        List<?> l = (List<?>) v.value();
                        c.u32(v.element().ordinal());
                        c.u64(l.size());
                        for (Object o : l) {
                            c.scalar(v.element(), o);
                        }
                    } else {
                        c.scalar(v.type(), v.value());
                    }
                }
                long offset = 0;
                List<Long> offsets = new ArrayList<>();
                for (Tensor t : tensors) {
                    c.string(t.name());
                    c.u32(t.dims().length);
                    for (long d : t.dims()) {
                        c.u64(d);
                    }
                    c.u32(t.typeId());
                    c.u64(offset);
                    offsets.add(offset);
                    offset = pad(offset + t.data().length);
                }
                c.zeros(pad(c.written) - c.written);
                long start = c.written;
                for (int i = 0; i < tensors.size(); i++) {
                    c.zeros(start + offsets.get(i) - c.written);
                    c.bytes(tensors.get(i).data());
                }
                c.zeros(pad(c.written) - c.written);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the write already failed; the temp file is best-effort cleanup
            }
            throw new CorruptDataException(file + ": cannot write GGUF file: " + e.getMessage(), e);
        }
    }

    private long pad(long p) {
        return (p + alignment - 1) / alignment * alignment;
    }

    /** Little-endian writer that counts bytes. */
    private static final class Counting {
        private final OutputStream out;
        private final ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        long written;

        Counting(OutputStream out) {
            this.out = out;
        }

        void bytes(byte[] a) throws IOException {
            out.write(a);
            written += a.length;
        }

        void zeros(long n) throws IOException {
            for (long i = 0; i < n; i++) {
                out.write(0);
            }
            written += n;
        }

        private void flush(int n) throws IOException {
            out.write(b.array(), 0, n);
            written += n;
            b.clear();
        }

        void u32(long v) throws IOException {
            b.putInt((int) v);
            flush(4);
        }

        void u64(long v) throws IOException {
            b.putLong(v);
            flush(8);
        }

        void string(String s) throws IOException {
            byte[] a = s.getBytes(StandardCharsets.UTF_8);
            u64(a.length);
            bytes(a);
        }

        void scalar(GgufValueType t, Object v) throws IOException {
            switch (t) {
                case STRING -> string((String) v);
                case UINT32, INT32 -> u32((Long) v);
                case UINT64, INT64 -> u64((Long) v);
                case FLOAT32 -> {
                    b.putFloat(((Double) v).floatValue());
                    flush(4);
                }
                case BOOL -> {
                    b.put((byte) (((Boolean) v) ? 1 : 0));
                    flush(1);
                }
                default -> throw new IllegalStateException("writer does not emit " + t);
            }
        }
    }
}
