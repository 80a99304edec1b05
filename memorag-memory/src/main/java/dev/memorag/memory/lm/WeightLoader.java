package dev.memorag.memory.lm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.ModelException;
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

    public boolean contains(String name) {
        return reader.contains(name);
    }

    /**
     * Loads {@code name}, which must have exactly {@code expected} shape.
     *
     * @throws ModelException when the tensor is missing or its shape differs
     */
    public NDArray load(String name, long... expected) {
        if (!reader.contains(name)) {
            throw new ModelException(source + ": weight '" + name + "' is missing from the checkpoint");
        }
        if (!(reader instanceof SafetensorsReader safetensors)) {
            return loadFloats(name, expected);
        }
        TensorInfo info = safetensors.info(name);
        if (!Arrays.equals(info.shape(), expected)) {
            throw new ModelException(source + ": weight '" + name + "' has shape " + Arrays.toString(info.shape())
                    + " but the config requires " + Arrays.toString(expected) + " (file " + info.file() + ")");
        }
        if (!info.dtype().isFloat()) {
            throw new ModelException(source + ": weight '" + name + "' has non-float dtype " + info.dtype());
        }
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
        switch (t) {
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out.putFloat(i * 4, Half.toFloat(raw.getShort(i * 2)));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out.putFloat(i * 4, Float.intBitsToFloat((raw.getShort(i * 2) & 0xffff) << 16));
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out.putFloat(i * 4, (float) raw.getDouble(i * 8));
                }
            }
            default -> throw new ModelException(source + ": unsupported weight dtype " + t);
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
        long pos = info.offset() + first * eb;
        try (FileChannel ch = FileChannel.open(info.file(), StandardOpenOption.READ)) {
            while (buf.hasRemaining()) {
                int n = ch.read(buf, pos + buf.position());
                if (n < 0) {
                    throw new CorruptDataException(info.file() + ": unexpected end of file reading weight '"
                            + info.name() + "'");
                }
            }
        } catch (IOException e) {
            throw new CorruptDataException(info.file() + ": cannot read weight '" + info.name() + "': "
                    + e.getMessage(), e);
        }
        buf.flip();
        return buf.slice().order(ByteOrder.LITTLE_ENDIAN);
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
