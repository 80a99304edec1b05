package dev.memorag.memory.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.memorag.memory.lm.quant.Int8Matrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A weight-only int8 projection on the CPU. Few rows (decoding) run {@link Int8Matrix#matmul}, which reads the int8
 * weights and their fp16 block scales once, 1.0625 bytes per weight against float32's 4: decoding is bound by weight
 * bandwidth. Many rows (prefill, memorising) are compute-bound, so the weight is dequantised block by block into a
 * reused float32 buffer and each block goes through PyTorch's GEMM; no full float32 copy of the weight ever exists.
 *
 * <p>Internal runtime type. Thread-safety: immutable; concurrent calls use per-thread scratch buffers.
 */
final class Int8Projection implements Projection {
    /** Inputs of at most this many rows use the int8 kernel; more rows dequantise and use the float32 GEMM. */
    static final int KERNEL_ROWS = 16;
    /** Float32 weight elements dequantised at once (32 MB). */
    static final long BLOCK_ELEMENTS = 8L << 20;

    private static final ThreadLocal<ByteBuffer> SCRATCH = new ThreadLocal<>();

    private final Int8Matrix weight;
    private final NDArray bias;

    Int8Projection(Int8Matrix weight, NDArray bias) {
        this.weight = Objects.requireNonNull(weight, "weight");
        this.bias = bias;
    }

    Int8Matrix weight() {
        return weight;
    }

    @Override
    public long bytes() {
        return weight.bytes() + (bias == null ? 0 : bias.size() * 4L);
    }

    @Override
    public NDArray apply(NDArray x) {
        Shape s = x.getShape();
        int in = weight.cols();
        int rows = Math.toIntExact(s.size() / in);
        Shape outShape = s.slice(0, s.dimension() - 1).add(weight.rows());
        NDManager owner = x.getManager();
        NDArray y;
        if (rows <= KERNEL_ROWS) {
            float[] xf = (x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false))
                    .toFloatArray();
            float[] out = new float[rows * weight.rows()];
            weight.matmul(xf, rows, out);
            y = owner.create(out, outShape);
        } else {
            y = blockedGemm(x, owner).reshape(outShape);
        }
        return bias == null ? y : y.add(bias);
    }

    /** {@code x W^T} with {@code W} dequantised in row blocks into a per-thread scratch buffer. */
    private NDArray blockedGemm(NDArray x, NDManager owner) {
        int in = weight.cols();
        int out = weight.rows();
        int perBlock = (int) Math.max(1, Math.min(out, BLOCK_ELEMENTS / in));
        ByteBuffer scratch = scratch((long) perBlock * in * Float.BYTES);
        NDList parts = new NDList();
        for (int from = 0; from < out; from += perBlock) {
            int to = Math.min(out, from + perBlock);
            int n = to - from;
            ByteBuffer bytes = scratch.duplicate().order(ByteOrder.nativeOrder());
            bytes.clear().limit(n * in * Float.BYTES);
            ByteBuffer block = bytes.slice().order(ByteOrder.nativeOrder());
            weight.dequantize(from, to, block.asFloatBuffer());
            // the NDArray aliases the scratch buffer (a direct ByteBuffer is not copied); CPU ops run synchronously,
            // so the block is consumed before the buffer is refilled
            try (NDManager tmp = owner.newSubManager()) {
                NDArray w = tmp.create(block, new Shape(n, in), DataType.FLOAT32);
                NDArray part = Linear.linear(x, w).singletonOrThrow();
                part.attach(owner);
                parts.add(part);
            }
        }
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, -1);
    }

    private static ByteBuffer scratch(long bytes) {
        ByteBuffer b = SCRATCH.get();
        if (b == null || b.capacity() < bytes) {
            b = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
            SCRATCH.set(b);
        }
        return b;
    }
}
