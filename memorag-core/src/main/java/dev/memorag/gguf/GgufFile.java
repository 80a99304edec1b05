package dev.memorag.gguf;

import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.error.UnsupportedFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF file (the llama.cpp checkpoint format, versions 2 and 3, little-endian): its metadata and tensor table,
 * validated when opening, and its tensors dequantised to float32 on request.
 *
 * <p>Metadata values are {@link Long} (all integer types), {@link Double} (both float types), {@link Boolean},
 * {@link String} or an unmodifiable {@link List} of those. Tensor data is read only by {@link #readFloats} and
 * {@link #raw}, never eagerly.
 *
 * <p>Thread-safety: thread-safe after opening; {@link #close()} must not race with reads.
 */
public final class GgufFile implements AutoCloseable {
    /** "GGUF" read as a little-endian uint32. */
    static final int MAGIC = 0x46554747;
    static final int DEFAULT_ALIGNMENT = 32;
    /** ggml tensors have at most four dimensions. */
    static final int MAX_DIMS = 4;

    private final Path path;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, GgufTensor> tensors;
    private final FileChannel channel;
    private volatile boolean closed;

    private GgufFile(Path path, int version, Map<String, Object> metadata, Map<String, GgufTensor> tensors,
            FileChannel channel) {
        this.path = path;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.channel = channel;
    }

    /** Whether {@code path} names a GGUF file by its extension (the content is checked by {@link #open}). */
    public static boolean isGgufPath(Path path) {
        return path != null && path.getFileName() != null
                && path.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".gguf");
    }

    /** Whether {@code path} is an existing regular file named {@code *.gguf}: a model reference in its own right. */
    public static boolean isGgufFile(Path path) {
        return isGgufPath(path) && Files.isRegularFile(path);
    }

    /**
     * Opens and validates {@code file}.
     *
     * @throws InvalidInputException when the file does not exist
     * @throws CorruptDataException when it is not a GGUF file, is truncated or its header is inconsistent
     * @throws UnsupportedFormatException for an unknown version, metadata type or tensor type
     */
    public static GgufFile open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException("GGUF file does not exist: " + file);
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            Header h = new Header(file, ch);
            return new GgufFile(file, h.version, h.metadata, h.tensors, ch);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new CorruptDataException(file + ": cannot read GGUF file: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** The format version (2 or 3). */
    public int version() {
        return version;
    }

    /** All metadata, in file order. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** The tensors, in file order. */
    public Map<String, GgufTensor> tensors() {
        return tensors;
    }

    /** The tensor {@code name}. */
    public GgufTensor tensor(String name) {
        GgufTensor t = tensors.get(name);
        if (t == null) {
            throw new InvalidInputException(path + ": tensor '" + name + "' not found (file has " + tensors.size()
                    + " tensors)");
        }
        return t;
    }

    /** A metadata string, if present. */
    public Optional<String> string(String key) {
        return typed(key, String.class, "a string");
    }

    /** A metadata integer (any integer type), if present. */
    public Optional<Long> integer(String key) {
        return typed(key, Long.class, "an integer");
    }

    /** A metadata number (integer or float), if present. */
    public Optional<Double> number(String key) {
        Object v = metadata.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Number n) {
            return Optional.of(n.doubleValue());
        }
        throw new CorruptDataException(path + ": metadata '" + key + "' must be a number, was " + describe(v));
    }

    /** A metadata array, if present. */
    public Optional<List<?>> array(String key) {
        return typed(key, List.class, "an array").map(l -> (List<?>) l);
    }

    /**
     * A required metadata string.
     *
     * @throws CorruptDataException when missing
     */
    public String requireString(String key) {
        return string(key).orElseThrow(() -> missing(key));
    }

    /**
     * A required metadata integer.
     *
     * @throws CorruptDataException when missing
     */
    public long requireInteger(String key) {
        return integer(key).orElseThrow(() -> missing(key));
    }

    /**
     * A required metadata array whose elements all have type {@code element}.
     *
     * @throws CorruptDataException when missing or of another element type
     */
    public <T> List<T> requireArray(String key, Class<T> element) {
        List<?> l = array(key).orElseThrow(() -> missing(key));
        for (int i = 0; i < l.size(); i++) {
            if (!element.isInstance(l.get(i))) {
                throw new CorruptDataException(path + ": metadata '" + key + "[" + i + "]' must be "
                        + element.getSimpleName() + ", was " + describe(l.get(i)));
            }
        }
        @SuppressWarnings("unchecked")
        List<T> typed = (List<T>) l;
        return typed;
    }

    private CorruptDataException missing(String key) {
        return new CorruptDataException(path + ": required metadata '" + key + "' is missing");
    }

    private <T> Optional<T> typed(String key, Class<T> type, String what) {
        Object v = metadata.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!type.isInstance(v)) {
            throw new CorruptDataException(path + ": metadata '" + key + "' must be " + what + ", was " + describe(v));
        }
        return Optional.of(type.cast(v));
    }

    private static String describe(Object v) {
        String s = v instanceof List<?> l ? "an array of " + l.size() : v.getClass().getSimpleName() + " " + v;
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    /** A read-only little-endian view of the tensor's stored bytes (memory-mapped). */
    public ByteBuffer raw(String name) {
        ensureOpen();
        GgufTensor t = tensor(name);
        if (t.bytes() > Integer.MAX_VALUE) {
            throw new InvalidInputException(path + ": tensor '" + name + "' is larger than 2 GiB");
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, t.offset(), t.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new CorruptDataException(path + ": cannot map tensor '" + name + "': " + e.getMessage(), e);
        }
    }

    /** The tensor's values as float32 in stored order (row-major for {@link GgufTensor#shape()}). */
    public float[] readFloats(String name) {
        GgufTensor t = tensor(name);
        if (t.elementCount() > Integer.MAX_VALUE - 8) {
            throw new InvalidInputException(path + ": tensor '" + name + "' has " + t.elementCount()
                    + " elements, too many for one float array");
        }
        ByteBuffer b = raw(name);
        float[] out = new float[(int) t.elementCount()];
        t.type().dequantize(b, 0, out, 0, out.length);
        return out;
    }

    private void ensureOpen() {
        if (closed) {
            throw new StateException("GGUF file " + path + " is closed");
        }
    }

    /** Closes the file; idempotent. Buffers returned by {@link #raw} stay valid until garbage-collected. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing a read-only channel cannot lose data
            }
        }
    }

    /** Parses the header, metadata and tensor table, checking every count, size and offset against the file. */
    private static final class Header {
        private static final int BUFFER = 1 << 20;
        private final Path file;
        private final FileChannel ch;
        private final long size;
        private final ByteBuffer buf = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        private long bufStart;
        final int version;
        final Map<String, Object> metadata = new LinkedHashMap<>();
        final Map<String, GgufTensor> tensors = new LinkedHashMap<>();

        Header(Path file, FileChannel ch) throws IOException {
            this.file = file;
            this.ch = ch;
            this.size = ch.size();
            buf.limit(0);
            if (size < 4) {
                throw new CorruptDataException(file + ": file of " + size + " bytes is too short for a GGUF header");
            }
            int magic = i32("magic");
            if (magic != MAGIC) {
                throw new CorruptDataException(file + ": field 'magic' is 0x" + Integer.toHexString(magic)
                        + ", expected 0x" + Integer.toHexString(MAGIC) + " (\"GGUF\"): not a GGUF file");
            }
            long v = u32("version");
            if (v != 2 && v != 3) {
                String hint = v == 1 ? " (GGUF v1 predates 64-bit counts; re-convert the model)"
                        : Long.numberOfTrailingZeros(v) >= 24 ? " (a big-endian file?)" : "";
                throw new UnsupportedFormatException(file + ": field 'version' is " + v
                        + "; only GGUF versions 2 and 3 (little-endian) are supported" + hint);
            }
            version = (int) v;
            long tensorCount = count("tensor_count", 8 + 4 + 8 + 4 + 8);
            long kvCount = count("metadata_kv_count", 8 + 4);
            for (long i = 0; i < kvCount; i++) {
                String key = string("metadata key #" + i);
                long typeId = u32("metadata '" + key + "' type");
                GgufValueType type = valueType(typeId, "metadata '" + key + "'");
                if (metadata.put(key, value(type, "metadata '" + key + "'")) != null) {
                    throw new CorruptDataException(file + ": metadata '" + key + "' is defined twice");
                }
            }
            long alignment = 32;
            Object a = metadata.get("general.alignment");
            if (a != null) {
                if (!(a instanceof Long l) || l <= 0 || Long.bitCount(l) != 1 || l > (1 << 20)) {
                    throw new CorruptDataException(file + ": metadata 'general.alignment' must be a power of two, was "
                            + a);
                }
                alignment = l;
            }
            List<Object[]> infos = new ArrayList<>();
            for (long i = 0; i < tensorCount; i++) {
                String name = string("tensor #" + i + " name");
                String where = "tensor '" + name + "'";
                long nDims = u32(where + " n_dims");
                if (nDims < 1 || nDims > MAX_DIMS) {
                    throw new CorruptDataException(file + ": field '" + where + " n_dims' is " + nDims
                            + ", expected 1.." + MAX_DIMS);
                }
                long[] dims = new long[(int) nDims];
                for (int d = 0; d < nDims; d++) {
                    dims[d] = i64(where + " dims[" + d + "]");
                    if (dims[d] <= 0) {
                        throw new CorruptDataException(file + ": field '" + where + " dims[" + d + "]' is " + dims[d]
                                + ", expected > 0");
                    }
                }
                long typeId = u32(where + " type");
                GgmlType type = GgmlType.byId(typeId).orElseThrow(() -> new UnsupportedFormatException(file + ": "
                        + where + " has ggml type " + typeId + ", which this library cannot dequantise (supported: "
                        + java.util.Arrays.toString(GgmlType.values()) + ")"));
                long offset = i64(where + " offset");
                infos.add(new Object[] {name, type, dims, offset});
            }
            long dataStart = align(position(), alignment);
            List<long[]> ranges = new ArrayList<>();
            for (Object[] info : infos) {
                String name = (String) info[0];
                GgmlType type = (GgmlType) info[1];
                long[] dims = (long[]) info[2];
                long offset = (Long) info[3];
                String where = file + ": tensor '" + name + "'";
                long elements = 1;
                try {
                    for (long d : dims) {
                        elements = Math.multiplyExact(elements, d);
                    }
                } catch (ArithmeticException e) {
                    throw new CorruptDataException(where + ": dims " + java.util.Arrays.toString(dims)
                            + " are too large");
                }
                if (dims[0] % type.blockSize() != 0) {
                    throw new CorruptDataException(where + ": dims[0] = " + dims[0] + " is not a multiple of the "
                            + type + " block size " + type.blockSize());
                }
                long bytes = type.bytesFor(elements);
                if (offset < 0 || offset % alignment != 0) {
                    throw new CorruptDataException(where + ": field 'offset' " + offset
                            + " is not a non-negative multiple of the alignment " + alignment);
                }
                if (offset > size - dataStart || bytes > size - dataStart - offset) {
                    throw new CorruptDataException(where + ": " + bytes + " bytes of " + type + " at data offset "
                            + offset + " extend past the end of the file (" + size + " bytes, data from byte "
                            + dataStart + "): truncated?");
                }
                if (tensors.containsKey(name)) {
                    throw new CorruptDataException(where + ": tensor defined twice");
                }
                ranges.add(new long[] {offset, offset + bytes});
                tensors.put(name, new GgufTensor(name, type, dims, dataStart + offset, bytes));
            }
            ranges.sort((x, y) -> Long.compare(x[0], y[0]));
            for (int i = 1; i < ranges.size(); i++) {
                if (ranges.get(i)[0] < ranges.get(i - 1)[1]) {
                    throw new CorruptDataException(file + ": tensor data ranges overlap at data offset "
                            + ranges.get(i)[0]);
                }
            }
        }

        private static long align(long p, long alignment) {
            return (p + alignment - 1) / alignment * alignment;
        }

        private long position() {
            return bufStart + buf.position();
        }

        /** Makes {@code n} bytes available in the buffer or fails naming {@code field}. */
        private void need(int n, String field) throws IOException {
            if (buf.remaining() >= n) {
                return;
            }
            long pos = position();
            if (pos + n > size) {
                throw new CorruptDataException(file + ": unexpected end of file reading field '" + field
                        + "' at byte " + pos + " (file has " + size + " bytes): truncated?");
            }
            buf.compact();
            bufStart = pos;
            while (buf.position() < n) {
                if (ch.read(buf, bufStart + buf.position()) < 0) {
                    throw new CorruptDataException(file + ": unexpected end of file reading field '" + field + "'");
                }
            }
            buf.flip();
            bufStart = pos;
        }

        private int i32(String field) throws IOException {
            need(4, field);
            return buf.getInt();
        }

        private long u32(String field) throws IOException {
            return Integer.toUnsignedLong(i32(field));
        }

        private long i64(String field) throws IOException {
            need(8, field);
            return buf.getLong();
        }

        /** A uint64 count, bounded by what the rest of the file could hold at {@code minBytes} per item. */
        private long count(String field, long minBytes) throws IOException {
            long n = i64(field);
            long left = size - position();
            if (n < 0 || (minBytes > 0 && n > left / minBytes)) {
                throw new CorruptDataException(file + ": field '" + field + "' is " + Long.toUnsignedString(n)
                        + ", more than the remaining " + left + " bytes can hold: truncated or corrupt");
            }
            return n;
        }

        private GgufValueType valueType(long id, String field) {
            GgufValueType t = GgufValueType.byId(id);
            if (t == null) {
                throw new UnsupportedFormatException(file + ": " + field + " has unknown value type " + id);
            }
            return t;
        }

        private String string(String field) throws IOException {
            long len = count(field + " length", 1);
            if (len > BUFFER) {
                throw new CorruptDataException(file + ": field '" + field + "' length " + len + " exceeds "
                        + BUFFER + " bytes");
            }
            need((int) len, field);
            byte[] b = new byte[(int) len];
            buf.get(b);
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
            } catch (CharacterCodingException e) {
                // Some vocabularies hold raw bytes that are not UTF-8; keep them readable rather than fail.
                return new String(b, StandardCharsets.UTF_8);
            }
        }

        private Object value(GgufValueType type, String field) throws IOException {
            need(type == GgufValueType.STRING || type == GgufValueType.ARRAY ? 0 : type.minBytes, field);
            return switch (type) {
                case UINT8 -> (long) (buf.get() & 0xff);
                case INT8 -> (long) buf.get();
                case UINT16 -> (long) (buf.getShort() & 0xffff);
                case INT16 -> (long) buf.getShort();
                case UINT32 -> Integer.toUnsignedLong(buf.getInt());
                case INT32 -> (long) buf.getInt();
                case FLOAT32 -> (double) buf.getFloat();
                case UINT64, INT64 -> buf.getLong();
                case FLOAT64 -> buf.getDouble();
                case BOOL -> {
                    byte b = buf.get();
                    if (b != 0 && b != 1) {
                        throw new CorruptDataException(file + ": field '" + field + "' is a bool of value " + b);
                    }
                    yield b == 1;
                }
                case STRING -> string(field);
                case ARRAY -> {
                    GgufValueType element = valueType(u32(field + " element type"), field);
                    long n = count(field + " count", element.minBytes);
                    List<Object> out = new ArrayList<>((int) Math.min(n, 1 << 20));
                    for (long i = 0; i < n; i++) {
                        out.add(value(element, field + "[" + i + "]"));
                    }
                    yield Collections.unmodifiableList(out);
                }
            };
        }
    }
}
