package dev.memorag.memory.lm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.ModelException;
import dev.memorag.memory.lm.quant.Int8Matrix;
import dev.memorag.safetensors.DType;
import dev.memorag.safetensors.Half;
import dev.memorag.safetensors.SafetensorsReader;
import dev.memorag.safetensors.TensorInfo;
import dev.memorag.tensor.TensorSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Loads named tensors from a checkpoint into NDArrays of the runtime precision, checking shapes. From safetensors,
 * F32, F16, BF16 and F64 tensors are converted while loading and tensors over 64 MiB are read in row blocks; other
 * {@link TensorSource}s (GGUF) hand over float32 values, dequantised by the source.
 *
 * <p>Internal runtime API (NDArray-based), shared with the beacon memory model. Thread-safety: not thread-safe; use
 * one loader per model load.
 */
public final class WeightLoader {
    /** Largest read buffer; bigger tensors are loaded in row blocks of at most this size. */
    static final long BLOCK_BYTES = 64L << 20;

    private final TensorSource reader;
    private final NDManager manager;
    private final DataType dtype;
    private final Device device;
    private final String source;
    private final long blockBytes;
    private boolean int8;
    private ByteBuffer scratch;
    private ByteBuffer widened;

    /**
     * @param reader the open checkpoint
     * @param manager owner of the loaded arrays
     * @param dtype FLOAT32 or FLOAT16
     * @param source checkpoint path, for messages
     */
    public WeightLoader(TensorSource reader, NDManager manager, DataType dtype, String source) {
        this(reader, manager, dtype, source, BLOCK_BYTES);
    }

    WeightLoader(TensorSource reader, NDManager manager, DataType dtype, String source, long blockBytes) {
        this.blockBytes = blockBytes;
        this.reader = reader;
        this.manager = manager;
        this.dtype = dtype;
        this.device = manager.getDevice();
        this.source = source;
    }

    /**
     * Makes {@link #projection} quantise linear weights to int8 (weight-only; norms, biases and the arrays of
     * {@link #load} keep the loader's dtype).
     */
    public WeightLoader int8(boolean enabled) {
        this.int8 = enabled;
        return this;
    }

    /** Whether {@link #projection} quantises. */
    public boolean int8() {
        return int8;
    }

    /**
     * A linear projection whose weight is the row-wise concatenation of {@code weights} (each {@code [rows[i], in]}):
     * q/k/v and gate/up are fused this way. Dense in the loader's dtype, or int8 quantised from the file row by row
     * when {@link #int8(boolean)} is on.
     *
     * @param biases bias names (each {@code [rows[i]]}), or null when the projection has no bias
     */
    public Projection projection(String[] weights, long[] rows, long in, String[] biases) {
        NDArray bias = null;
        if (biases != null) {
            NDArray[] parts = new NDArray[biases.length];
            for (int i = 0; i < biases.length; i++) {
                parts[i] = load(biases[i], rows[i]);
            }
            bias = concat(parts);
        }
        try {
            if (int8) {
                return Projection.int8(quantize(weights, rows, in), bias);
            }
            NDArray[] parts = new NDArray[weights.length];
            for (int i = 0; i < weights.length; i++) {
                parts[i] = load(weights[i], rows[i], in);
            }
            return Projection.dense(concat(parts), bias);
        } catch (RuntimeException e) {
            if (bias != null) {
                bias.close();
            }
            throw e;
        }
    }

    /** Concatenates {@code parts} along dim 0 into a new array of the same manager; the parts are closed. */
    static NDArray concat(NDArray... parts) {
        if (parts.length == 1) {
            return parts[0];
        }
        NDManager owner = parts[0].getManager();
        NDArray fused = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(parts), 0);
        fused.attach(owner);
        for (NDArray part : parts) {
            part.close();
        }
        return fused;
    }

    /**
     * Quantises the row-wise concatenation of {@code names} (each {@code [rows[i], cols]}) to int8. Rows are read
     * from the file in blocks of about 1 MiB into per-thread buffers, so no float32 copy of the tensor exists and
     * the file's pages are not mapped into the process.
     */
    public Int8Matrix quantize(String[] names, long[] rows, long cols) {
        TensorInfo[] infos = new TensorInfo[names.length];
        long[] first = new long[names.length + 1];
        for (int i = 0; i < names.length; i++) {
            infos[i] = checked(names[i], rows[i], cols);
            first[i + 1] = first[i] + rows[i];
        }
        int width = Math.toIntExact(cols);
        int total = Math.toIntExact(first[names.length]);
        ThreadLocal<RowBlock> blocks = ThreadLocal.withInitial(RowBlock::new);
        return Int8Matrix.quantize((r, dst) -> {
            int t = 0;
            while (r >= first[t + 1]) {
                t++;
            }
            blocks.get().row(infos[t], t, r - first[t], width, dst);
        }, total, width);
    }

    /** A per-thread cache of consecutive rows of one tensor, read with a positional (thread-safe) file read. */
    private final class RowBlock {
        private static final int BYTES = 1 << 20;
        private int tensor = -1;
        private long firstRow;
        private int count;
        private float[] values = new float[0];
        private final ByteBuffer raw = ByteBuffer.allocateDirect(BYTES);

        void row(TensorInfo info, int t, long r, int width, float[] dst) {
            if (t != tensor || r < firstRow || r >= firstRow + count) {
                long rowsInTensor = info.elementCount() / width;
                int eb = info.dtype().bytes();
                int n = (int) Math.max(1, Math.min(rowsInTensor - r, BYTES / ((long) width * eb)));
                int elems = n * width;
                ByteBuffer buf = raw.duplicate().order(ByteOrder.LITTLE_ENDIAN);
                if ((long) elems * eb > raw.capacity()) {
                    buf = ByteBuffer.allocateDirect(elems * eb).order(ByteOrder.LITTLE_ENDIAN);
                }
                buf.clear().limit(elems * eb);
                readFully(info, info.offset() + r * width * eb, buf);
                buf.flip();
                if (values.length < elems) {
                    values = new float[elems];
                }
                toFloats(buf.order(ByteOrder.LITTLE_ENDIAN), info.dtype(), values, elems);
                tensor = t;
                firstRow = r;
                count = n;
            }
            System.arraycopy(values, (int) (r - firstRow) * width, dst, 0, width);
        }
    }

    private static void toFloats(ByteBuffer raw, DType t, float[] dst, int n) {
        if (t == DType.F32) {
            raw.asFloatBuffer().get(dst, 0, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            dst[i] = element(raw, t, i);
        }
    }

    /** Element {@code i} of a little-endian F16, BF16 or F64 buffer as float32. */
    private static float element(ByteBuffer raw, DType t, int i) {
        return switch (t) {
            case F16 -> Half.toFloat(raw.getShort(i * 2));
            case BF16 -> Float.intBitsToFloat((raw.getShort(i * 2) & 0xffff) << 16);
            case F64 -> (float) raw.getDouble(i * 8);
            case F32 -> raw.getFloat(i * 4);
            default -> throw new ModelException("unsupported weight dtype " + t);
        };
    }

    private TensorInfo checked(String name, long... expected) {
        if (!reader.contains(name)) {
            throw new ModelException(source + ": weight '" + name + "' is missing from the checkpoint");
        }
        if (!(reader instanceof SafetensorsReader safetensors)) {
            throw new ModelException(source + ": weight '" + name + "': int8 weights are quantised at load from "
                    + "safetensors checkpoints only; load this checkpoint with --dtype fp32 or fp16");
        }
        TensorInfo info = safetensors.info(name);
        if (!Arrays.equals(info.shape(), expected)) {
            throw new ModelException(source + ": weight '" + name + "' has shape " + Arrays.toString(info.shape())
                    + " but the config requires " + Arrays.toString(expected) + " (file " + info.file() + ")");
        }
        if (!info.dtype().isFloat()) {
            throw new ModelException(source + ": weight '" + name + "' has non-float dtype " + info.dtype());
        }
        return info;
    }

    public boolean contains(String name) {
        return reader.contains(name);
    }

    /**
     * Loads {@code name}, which must have exactly {@code expected} shape.
     *
     * @throws ModelException when the tensor is missing or its shape differs
     */
    public NDArray load(String name, long... expected) {
        if (!(reader instanceof SafetensorsReader)) {
            if (!reader.contains(name)) {
                throw new ModelException(source + ": weight '" + name + "' is missing from the checkpoint");
            }
            return loadFloats(name, expected);
        }
        TensorInfo info = checked(name, expected);
        long rowElems = expected.length <= 1 ? info.elementCount() : info.elementCount() / expected[0];
        long rowBytes = Math.max(1, rowElems * info.dtype().bytes());
        long rows = expected.length <= 1 ? 1 : expected[0];
        long rowsPerBlock = Math.max(1, Math.min(rows, blockBytes / rowBytes));
        if (rowsPerBlock >= rows) {
            return toRuntime(read(info, 0, info.elementCount()), info.dtype(), new Shape(expected));
        }
        // Large tensors are filled block by block into their final array, so loading needs one block of scratch.
        NDArray all = manager.zeros(new Shape(expected), dtype);
        try {
            for (long r = 0; r < rows; r += rowsPerBlock) {
                long n = Math.min(rowsPerBlock, rows - r);
                long[] shape = expected.clone();
                shape[0] = n;
                try (NDArray part = toRuntime(read(info, r * rowElems, n * rowElems), info.dtype(),
                        new Shape(shape))) {
                    all.set(new NDIndex().addSliceDim(r, r + n), part);
                }
            }
            return all;
        } catch (RuntimeException e) {
            all.close();
            throw e;
        }
    }

    /** A source that converts to float32 itself: one read, then the same copy to the runtime dtype and device. */
    private NDArray loadFloats(String name, long[] expected) {
        long[] shape = reader.shape(name);
        if (!Arrays.equals(shape, expected)) {
            throw new ModelException(source + ": weight '" + name + "' has shape " + Arrays.toString(shape)
                    + " but the config requires " + Arrays.toString(expected));
        }
        float[] values = reader.readFloats(name);
        ByteBuffer b = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.nativeOrder());
        b.asFloatBuffer().put(values);
        return toRuntime(b, DType.F32, new Shape(expected));
    }

    private ByteBuffer widen(ByteBuffer raw, DType t, int n) {
        if (widened == null || widened.capacity() < n * 4) {
            widened = ByteBuffer.allocateDirect(n * 4);
        }
        ByteBuffer out = widened.duplicate().order(ByteOrder.nativeOrder());
        out.clear().limit(n * 4);
        for (int i = 0; i < n; i++) {
            out.putFloat(i * 4, element(raw, t, i));
        }
        return out.slice().order(ByteOrder.nativeOrder());
    }

    /**
     * Reads {@code count} elements starting at element {@code first} into a reused direct buffer (little-endian).
     * Plain reads rather than memory maps: mapped pages would stay resident until garbage-collected and double the
     * process's peak RSS while loading.
     */
    private ByteBuffer read(TensorInfo info, long first, long count) {
        int eb = info.dtype().bytes();
        int bytes = Math.toIntExact(count * eb);
        if (scratch == null || scratch.capacity() < bytes) {
            scratch = ByteBuffer.allocateDirect(bytes);
        }
        ByteBuffer buf = scratch.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        buf.clear().limit(bytes);
        readFully(info, info.offset() + first * eb, buf);
        buf.flip();
        return buf.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Fills {@code buf} from {@code info}'s file at byte {@code pos} (positional reads: safe across threads). */
    private static void readFully(TensorInfo info, long pos, ByteBuffer buf) {
        int start = buf.position();
        try (FileChannel ch = FileChannel.open(info.file(), StandardOpenOption.READ)) {
            while (buf.hasRemaining()) {
                int n = ch.read(buf, pos + buf.position() - start);
                if (n < 0) {
                    throw new CorruptDataException(info.file() + ": unexpected end of file reading weight '"
                            + info.name() + "'");
                }
            }
        } catch (IOException e) {
            throw new CorruptDataException(info.file() + ": cannot read weight '" + info.name() + "': "
                    + e.getMessage(), e);
        }
    }

    /**
     * Wraps the bytes read (F32) or a float32 copy converted in Java (F16, BF16, F64; native half-precision buffer
     * import is avoided because it is not reliable in the engine), then copies to the runtime dtype and device.
     */
    private NDArray toRuntime(ByteBuffer raw, DType fileType, Shape shape) {
        ByteBuffer floats = fileType == DType.F32 ? raw : widen(raw, fileType, Math.toIntExact(shape.size()));
        NDArray a;
        try (NDManager tmp = manager.newSubManager(Device.cpu())) {
            NDArray host = tmp.create(floats, shape, DataType.FLOAT32);
            // Always a real copy (clone, dtype conversion or device transfer): the weights must own their memory
            // rather than alias the reused read buffer.
            if (device.equals(Device.cpu())) {
                a = dtype == DataType.FLOAT32 ? host.duplicate() : host.toType(dtype, false);
            } else {
                a = host.toDevice(device, true).toType(dtype, false);
            }
            a.attach(manager);
        }
        return a;
    }
}
