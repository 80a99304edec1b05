package dev.memorag.memory.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.StorageException;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.MemoRagException;
import dev.memorag.error.StateException;
import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.safetensors.Half;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads and writes {@link MemoryState} files: our own versioned binary format, never a pickle, so loading only
 * parses numbers and runs no code.
 *
 * <pre>
 * bytes 0..7    magic "MRAGMEMS"
 * bytes 8..11   format version (u32 little-endian), currently 1
 * bytes 12..15  header length H (u32 little-endian)
 * bytes 16..    H bytes of UTF-8 JSON: dtype, model fingerprint, cursors, per-layer entry counts, data_bytes
 * then          the tensors, little-endian float32 or float16, per layer: sink K, sink V, beacon K, beacon V,
 *               raw K, raw V, each [kv_heads][entries][head_dim]
 * </pre>
 *
 * Writes go to a temporary file in the same directory that is then atomically renamed, so a failed save leaves the
 * previous file intact. Reads memory-map the tensor data.
 *
 * <p>Thread-safety: stateless; safe from any thread (concurrent writers of the same path race on the rename only).
 */
public final class MemoryStateFile {
    /** File name used inside a save directory. */
    public static final String FILE_NAME = "memory.state";
    /** Current format version. */
    public static final int VERSION = 1;
    static final byte[] MAGIC = "MRAGMEMS".getBytes(StandardCharsets.US_ASCII);
    private static final int PREFIX = 16;
    private static final int MAX_HEADER = 64 * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private MemoryStateFile() {
    }

    /** Writes {@code state} to {@code file} atomically. */
    public static void write(Path file, MemoryState state, StorageType dtype) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
            byte[] header = header(state, dtype);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer prefix = ByteBuffer.allocate(PREFIX).order(ByteOrder.LITTLE_ENDIAN);
                prefix.put(MAGIC).putInt(VERSION).putInt(header.length).flip();
                writeFully(ch, prefix);
                writeFully(ch, ByteBuffer.wrap(header));
                for (LayerKv layer : state.layers()) {
                    for (KvTensor t : layer.tensors()) {
                        writeTensor(ch, t, dtype);
                    }
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new StorageException("cannot write memory state " + file + ": " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the temporary file is hidden and harmless; the original error matters more
                }
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static void writeTensor(FileChannel ch, KvTensor t, StorageType dtype) throws IOException {
        float[] d = t.data();
        int chunk = 1 << 16;
        ByteBuffer buf = ByteBuffer.allocate(chunk * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int off = 0; off < d.length; off += chunk) {
            int n = Math.min(chunk, d.length - off);
            buf.clear();
            if (dtype == StorageType.FLOAT32) {
                buf.asFloatBuffer().put(d, off, n);
            } else {
                ShortBuffer sb = buf.asShortBuffer();
                for (int i = 0; i < n; i++) {
                    sb.put(Half.fromFloat(d[off + i]));
                }
            }
            buf.limit(n * dtype.bytes());
            writeFully(ch, buf);
        }
    }

    private static byte[] header(MemoryState state, StorageType dtype) {
        ObjectNode root = JSON.createObjectNode();
        root.put("dtype", dtype.wireName());
        ModelFingerprint m = state.model();
        ObjectNode model = root.putObject("model");
        model.put("kind", m.kind());
        model.put("layers", m.layers());
        model.put("kv_heads", m.kvHeads());
        model.put("head_dim", m.headDim());
        model.put("hidden", m.hidden());
        model.put("vocab", m.vocab());
        model.put("beacon_window", m.beaconWindow());
        model.put("beacon_stride", m.beaconStride());
        model.put("sink_size", m.sinkSize());
        Cursors c = state.cursors();
        ObjectNode cur = root.putObject("cursors");
        cur.put("start_idx", c.startIdx());
        cur.put("end_idx", c.endIdx());
        cur.put("step_idx", c.stepIdx());
        cur.put("interleave_remainder", c.interleaveRemainder());
        cur.put("chosen_ratio", c.chosenRatio());
        cur.put("full_window", c.fullWindow());
        ArrayNode bi = cur.putArray("open_window_beacon_indices");
        for (int v : c.openWindowBeaconIndices()) {
            bi.add(v);
        }
        ArrayNode ids = cur.putArray("open_window_ids");
        for (int v : c.openWindowIds()) {
            ids.add(v);
        }
        cur.put("tokens_read", c.tokensRead());
        cur.put("rng_state", c.rngState());
        ArrayNode layers = root.putArray("layers");
        long values = 0;
        for (LayerKv l : state.layers()) {
            ObjectNode ln = layers.addObject();
            ln.put("sink", l.sinkKey().length());
            ln.put("beacon", l.beaconKey().length());
            ln.put("raw", l.rawKey().length());
            values += l.values();
        }
        root.put("data_bytes", values * dtype.bytes());
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new MemoRagException("cannot encode memory state header: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a state file, memory-mapping its tensors.
     *
     * @param expected the fingerprint of the model that will use the state, or null to skip the check
     * @throws InvalidInputException when the file does not exist
     * @throws CorruptDataException when the file is truncated, has a bad magic or an inconsistent header
     * @throws UnsupportedFormatException for another format version or dtype
     * @throws StateException when the state belongs to a different model
     */
    public static MemoryState read(Path file, ModelFingerprint expected) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < PREFIX) {
                throw new CorruptDataException("memory state " + file + " is truncated: " + size
                        + " bytes, shorter than the " + PREFIX + "-byte prefix");
            }
            ByteBuffer prefix = ByteBuffer.allocate(PREFIX).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, prefix, 0, file);
            prefix.flip();
            byte[] magic = new byte[MAGIC.length];
            prefix.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new CorruptDataException("memory state " + file + ": bad magic '"
                        + new String(magic, StandardCharsets.ISO_8859_1).replaceAll("\\p{Cntrl}", "?")
                        + "', expected 'MRAGMEMS' (not a memory-state file)");
            }
            int version = prefix.getInt();
            if (version != VERSION) {
                throw new UnsupportedFormatException("memory state " + file + ": format version " + version
                        + " is not supported (this library reads version " + VERSION + ")");
            }
            int headerLen = prefix.getInt();
            if (headerLen <= 0 || headerLen > MAX_HEADER || PREFIX + (long) headerLen > size) {
                throw new CorruptDataException("memory state " + file + ": header length " + headerLen
                        + " does not fit in the file of " + size + " bytes (truncated?)");
            }
            ByteBuffer hb = ByteBuffer.allocate(headerLen);
            readFully(ch, hb, PREFIX, file);
            JsonNode root;
            try {
                root = JSON.readTree(hb.array());
            } catch (IOException e) {
                throw new CorruptDataException("memory state " + file + ": header is not valid JSON: "
                        + e.getMessage(), e);
            }
            Header h = new Header(file, root);
            StorageType dtype = StorageType.fromWire(h.text("dtype"));
            if (dtype == null) {
                throw new UnsupportedFormatException("memory state " + file + ": field 'dtype' has unsupported value '"
                        + h.text("dtype") + "' (expected float32 or float16)");
            }
            ModelFingerprint model;
            Cursors cursors;
            try {
                JsonNode m = h.object("model");
                model = new ModelFingerprint(h.text(m, "model.kind", "kind"), h.integer(m, "model", "layers"),
                        h.integer(m, "model", "kv_heads"), h.integer(m, "model", "head_dim"),
                        h.integer(m, "model", "hidden"), h.integer(m, "model", "vocab"),
                        h.integer(m, "model", "beacon_window"), h.integer(m, "model", "beacon_stride"),
                        h.integer(m, "model", "sink_size"));
                JsonNode c = h.object("cursors");
                cursors = new Cursors(h.longValue(c, "cursors", "start_idx"), h.longValue(c, "cursors", "end_idx"),
                        h.longValue(c, "cursors", "step_idx"), h.integer(c, "cursors", "interleave_remainder"),
                        h.integer(c, "cursors", "chosen_ratio"), h.bool(c, "cursors", "full_window"),
                        h.ints(c, "cursors", "open_window_beacon_indices"),
                        h.ints(c, "cursors", "open_window_ids"), h.longValue(c, "cursors", "tokens_read"),
                        h.longValue(c, "cursors", "rng_state"));
            } catch (InvalidInputException e) {
                throw new CorruptDataException("memory state " + file + ": " + e.getMessage(), e);
            }
            if (expected != null) {
                String diff = model.firstDifference(expected);
                if (diff != null) {
                    throw new StateException("memory state " + file + " was written by a different model: " + diff
                            + " (file vs this model)");
                }
            }
            JsonNode layersNode = root.get("layers");
            if (layersNode == null || !layersNode.isArray() || layersNode.size() != model.layers()) {
                throw new CorruptDataException("memory state " + file + ": field 'layers' must list "
                        + model.layers() + " layers, was " + layersNode);
            }
            long dataStart = PREFIX + (long) headerLen;
            long expectedValues = 0;
            long perEntry = 2L * model.kvHeads() * model.headDim();
            int[][] counts = new int[model.layers()][3];
            for (int i = 0; i < model.layers(); i++) {
                JsonNode ln = layersNode.get(i);
                String where = "layers[" + i + "]";
                counts[i][0] = h.integer(ln, where, "sink");
                counts[i][1] = h.integer(ln, where, "beacon");
                counts[i][2] = h.integer(ln, where, "raw");
                for (int c : counts[i]) {
                    if (c < 0) {
                        throw new CorruptDataException("memory state " + file + ": field '" + where
                                + "' has a negative entry count " + c);
                    }
                    expectedValues += perEntry * c;
                }
            }
            long dataBytes = h.longValue(root, "", "data_bytes");
            if (dataBytes != expectedValues * dtype.bytes()) {
                throw new CorruptDataException("memory state " + file + ": field 'data_bytes' is " + dataBytes
                        + " but the layer counts need " + expectedValues * dtype.bytes());
            }
            if (dataStart + dataBytes != size) {
                throw new CorruptDataException("memory state " + file + " is " + (dataStart + dataBytes > size
                        ? "truncated" : "longer than its header says") + ": expected " + (dataStart + dataBytes)
                        + " bytes, found " + size);
            }
            List<LayerKv> layers = new ArrayList<>(model.layers());
            long off = dataStart;
            for (int i = 0; i < model.layers(); i++) {
                KvTensor[] t = new KvTensor[6];
                for (int j = 0; j < 6; j++) {
                    int n = counts[i][j / 2];
                    t[j] = map(ch, off, model.kvHeads(), n, model.headDim(), dtype);
                    off += (long) model.kvHeads() * n * model.headDim() * dtype.bytes();
                }
                layers.add(new LayerKv(t[0], t[1], t[2], t[3], t[4], t[5]));
            }
            return new MemoryState(model, cursors, layers);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("memory state file not found: " + file, e);
        } catch (IOException e) {
            throw new StorageException("cannot read memory state " + file + ": " + e, e);
        }
    }

    private static KvTensor map(FileChannel ch, long off, int heads, int len, int headDim, StorageType dtype)
            throws IOException {
        int count = heads * len * headDim;
        float[] out = new float[count];
        if (count == 0) {
            return new KvTensor(heads, 0, headDim, out);
        }
        MappedByteBuffer mb = ch.map(FileChannel.MapMode.READ_ONLY, off, (long) count * dtype.bytes());
        mb.order(ByteOrder.LITTLE_ENDIAN);
        if (dtype == StorageType.FLOAT32) {
            FloatBuffer fb = mb.asFloatBuffer();
            fb.get(out);
        } else {
            ShortBuffer sb = mb.asShortBuffer();
            for (int i = 0; i < count; i++) {
                out[i] = Half.toFloat(sb.get(i));
            }
        }
        return new KvTensor(heads, len, headDim, out);
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos, Path file) throws IOException {
        long p = pos;
        while (b.hasRemaining()) {
            int n = ch.read(b, p);
            if (n < 0) {
                throw new CorruptDataException("memory state " + file + " is truncated at byte " + p);
            }
            p += n;
        }
    }

    /** Typed access to header fields with errors naming the file and the field. */
    private record Header(Path file, JsonNode root) {
        String text(String field) {
            return text(root, field, field);
        }

        JsonNode object(String field) {
            JsonNode n = root.get(field);
            if (n == null || !n.isObject()) {
                throw new CorruptDataException("memory state " + file + ": field '" + field + "' missing");
            }
            return n;
        }

        String text(JsonNode node, String name, String field) {
            JsonNode n = node.get(field);
            if (n == null || !n.isTextual()) {
                throw new CorruptDataException("memory state " + file + ": field '" + name + "' missing or not text");
            }
            return n.asText();
        }

        private JsonNode number(JsonNode node, String where, String field) {
            JsonNode n = node == null ? null : node.get(field);
            String name = where.isEmpty() ? field : where + "." + field;
            if (n == null || !n.isIntegralNumber()) {
                throw new CorruptDataException("memory state " + file + ": field '" + name + "' missing or not an "
                        + "integer, was " + n);
            }
            return n;
        }

        int integer(JsonNode node, String where, String field) {
            JsonNode n = number(node, where, field);
            if (!n.canConvertToInt()) {
                throw new CorruptDataException("memory state " + file + ": field '" + where + "." + field
                        + "' out of range: " + n);
            }
            return n.intValue();
        }

        long longValue(JsonNode node, String where, String field) {
            return number(node, where, field).longValue();
        }

        boolean bool(JsonNode node, String where, String field) {
            JsonNode n = node.get(field);
            if (n == null || !n.isBoolean()) {
                throw new CorruptDataException("memory state " + file + ": field '" + where + "." + field
                        + "' missing or not a boolean");
            }
            return n.booleanValue();
        }

        int[] ints(JsonNode node, String where, String field) {
            JsonNode n = node.get(field);
            if (n == null || !n.isArray()) {
                throw new CorruptDataException("memory state " + file + ": field '" + where + "." + field
                        + "' missing or not an array");
            }
            int[] out = new int[n.size()];
            for (int i = 0; i < out.length; i++) {
                if (!n.get(i).canConvertToInt()) {
                    throw new CorruptDataException("memory state " + file + ": field '" + where + "." + field + "["
                            + i + "]' is not an integer: " + n.get(i));
                }
                out[i] = n.get(i).intValue();
            }
            return out;
        }
    }
}
