package dev.memorag.memory.lm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.memorag.CorruptDataException;
import dev.memorag.ModelException;
import dev.memorag.safetensors.DType;
import dev.memorag.safetensors.Half;
import dev.memorag.safetensors.SafetensorsReader;
import dev.memorag.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Loads named tensors from a safetensors checkpoint into NDArrays of the runtime precision, checking shapes. F32,
 * F16, BF16 and F64 tensors are converted while loading; tensors over 1 GiB are read in row blocks.
 *
 * <p>Internal runtime API (NDArray-based), shared with the beacon memory model. Thread-safety: not thread-safe; use
 * one loader per model load.
 */
public final class WeightLoader {
    private static final long BLOCK_BYTES = 1L << 30;

    private final SafetensorsReader reader;
    private final NDManager manager;
    private final DataType dtype;
    private final Device device;
    private final String source;

    /**
     * @param reader the open checkpoint
     * @param manager owner of the loaded arrays
     * @param dtype FLOAT32 or FLOAT16
     * @param source checkpoint path, for messages
     */
    public WeightLoader(SafetensorsReader reader, NDManager manager, DataType dtype, String source) {
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
        TensorInfo info = reader.info(name);
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
        long rowsPerBlock = Math.max(1, Math.min(rows, BLOCK_BYTES / rowBytes));
        if (rowsPerBlock >= rows) {
            return toRuntime(read(info, 0, info.elementCount()), info.dtype(), new Shape(expected));
        }
        NDList parts = new NDList();
        try {
            for (long r = 0; r < rows; r += rowsPerBlock) {
                long n = Math.min(rowsPerBlock, rows - r);
                long[] shape = expected.clone();
                shape[0] = n;
                parts.add(toRuntime(read(info, r * rowElems, n * rowElems), info.dtype(), new Shape(shape)));
            }
            NDArray all = ai.djl.ndarray.NDArrays.concat(parts, 0);
            all.attach(manager);
            return all;
        } finally {
            parts.close();
        }
    }

    private ByteBuffer widen(ByteBuffer raw, DType t, int n) {
        ByteBuffer out = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
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
        return out;
    }

    /** Maps {@code count} elements starting at element {@code first} (little-endian, read-only). */
    private ByteBuffer read(TensorInfo info, long first, long count) {
        int eb = info.dtype().bytes();
        try (FileChannel ch = FileChannel.open(info.file(), StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, info.offset() + first * eb, count * eb)
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new CorruptDataException(info.file() + ": cannot read weight '" + info.name() + "': "
                    + e.getMessage(), e);
        }
    }

    /**
     * Wraps the mapped bytes (F32) or a float32 copy converted in Java (F16, BF16, F64; native half-precision buffer
     * import is avoided because it is not reliable in the engine), then copies to the runtime dtype and device.
     */
    private NDArray toRuntime(ByteBuffer raw, DType fileType, Shape shape) {
        ByteBuffer floats = fileType == DType.F32 ? raw : widen(raw, fileType, Math.toIntExact(shape.size()));
        NDArray a;
        try (NDManager tmp = manager.newSubManager(Device.cpu())) {
            NDArray host = tmp.create(floats, shape, DataType.FLOAT32);
            // Always a real copy (clone, dtype conversion or device transfer): the weights must own their memory
            // rather than alias the mapped file or the temporary buffer.
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
