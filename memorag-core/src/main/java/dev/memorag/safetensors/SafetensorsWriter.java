package dev.memorag.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.StorageException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.MemoRagException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes float tensors to a single safetensors file (header padded to 8 bytes, tensors in sorted-name order), as F32,
 * F16 or BF16. Used for random benchmark checkpoints and tests.
 *
 * <p>Thread-safety: not thread-safe; one writer per file.
 */
public final class SafetensorsWriter {
    private final Map<String, float[]> data = new TreeMap<>();
    private final Map<String, long[]> shapes = new TreeMap<>();
    private final Map<String, String> metadata = new TreeMap<>(Map.of("format", "pt"));

    /**
     * Adds a tensor; {@code values.length} must equal the product of {@code shape}. The array is kept, not copied:
     * do not modify it before {@link #write}.
     */
    public SafetensorsWriter put(String name, long[] shape, float[] values) {
        if (name == null || name.isEmpty() || name.equals("__metadata__")) {
            throw new InvalidInputException("SafetensorsWriter: tensor name must be non-empty and not '__metadata__',"
                    + " was " + (name == null ? "null" : "'" + name + "'"));
        }
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new InvalidInputException("tensor '" + name + "': shape " + Arrays.toString(shape)
                        + " has a negative dimension");
            }
            n = Math.multiplyExact(n, d);
        }
        if (n != values.length) {
            throw new InvalidInputException("tensor '" + name + "': shape " + Arrays.toString(shape) + " needs " + n
                    + " values, got " + values.length);
        }
        data.put(name, values);
        shapes.put(name, shape.clone());
        return this;
    }

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Writes all tensors with element type {@code dtype} (F32, F16 or BF16). */
    public void write(Path file, DType dtype) {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new InvalidInputException("SafetensorsWriter supports F32, F16 and BF16, not " + dtype);
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        ObjectNode meta = header.putObject("__metadata__");
        metadata.forEach(meta::put);
        long offset = 0;
        for (Map.Entry<String, float[]> e : data.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtype.name());
            ArrayNode s = t.putArray("shape");
            for (long d : shapes.get(e.getKey())) {
                s.add(d);
            }
            long len = (long) e.getValue().length * dtype.bytes();
            t.putArray("data_offsets").add(offset).add(offset + len);
            offset += len;
        }
        byte[] hb;
        try {
            hb = json.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new MemoRagException("cannot encode safetensors header: " + e.getMessage(), e);
        }
        int padded = (hb.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(hb, padded);
        Arrays.fill(headerBytes, hb.length, padded, (byte) ' ');
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(headerBytes);
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] values : data.values()) {
                for (float v : values) {
                    if (buf.remaining() < 4) {
                        out.write(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    switch (dtype) {
                        case F32 -> buf.putFloat(v);
                        case F16 -> buf.putShort(Half.fromFloat(v));
                        default -> buf.putShort((short) (bfloat16Bits(v)));
                    }
                }
            }
            out.write(buf.array(), 0, buf.position());
        } catch (IOException e) {
            throw new StorageException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static int bfloat16Bits(float v) {
        int x = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (x >>> 16) | 0x40;
        }
        int rounding = 0x7fff + ((x >>> 16) & 1);
        return (x + rounding) >>> 16;
    }
}
