package dev.memorag.retrieval.index;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.api.ScoredId;
import dev.memorag.api.VectorIndex;
import dev.memorag.spi.DjlNatives;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Exact inner-product search (like Faiss {@code IndexFlatIP}, MemoRAG's default): the vectors are kept as one
 * {@code [dimension, n]} matrix on a DJL device (CPU, or a GPU when asked for) and each query is one matrix product
 * plus a top-k.
 *
 * <p>Thread-safety: thread-safe; searches run concurrently, mutations take an exclusive lock.
 */
public final class FlatIndex implements VectorIndex, VectorLookup {
    /** Descriptor file name inside the save directory. */
    public static final String DESCRIPTOR = "flat-index.json";
    /** Vector file name inside the save directory. */
    public static final String VECTORS = "flat-index.vec";
    static final String FORMAT = "memorag-flat-index";
    static final int VERSION = 2;

    private final int dimension;
    private final NDManager manager;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private long[] ids = new long[16];
    private float[] vectors;
    private int count;
    private final Map<Long, Integer> rows = new HashMap<>();
    /** Transposed matrix {@code [dimension, count]}, rebuilt lazily after mutations. */
    private NDArray matrixT;
    /** Owner of {@link #matrixT}'s memory. */
    private NDArray matrixRows;
    private boolean closed;

    /** An empty index on the CPU. */
    public FlatIndex(int dimension) {
        this(dimension, Device.cpu());
    }

    /** An empty index whose matrix lives on {@code device} (e.g. {@code Device.gpu()}). */
    public FlatIndex(int dimension, Device device) {
        if (dimension <= 0) {
            throw new InvalidInputException("FlatIndex dimension must be > 0, was " + dimension);
        }
        this.dimension = dimension;
        this.vectors = new float[16 * dimension];
        Objects.requireNonNull(device, "device");
        this.manager = DjlNatives.start("the flat vector index",
                () -> Engine.getEngine("PyTorch").newBaseManager(device));
    }

    /** The device chosen by {@code "cpu"}, {@code "gpu"} or {@code "auto"} (a GPU when the engine sees one). */
    public static Device device(String name) {
        return switch (name == null ? "auto" : name.toLowerCase(java.util.Locale.ROOT)) {
            case "cpu" -> Device.cpu();
            case "gpu", "cuda" -> Device.gpu();
            case "auto" -> DjlNatives.start("the flat vector index", () -> Engine.getEngine("PyTorch").getGpuCount())
                    > 0 ? Device.gpu() : Device.cpu();
            default -> throw new InvalidInputException("device must be cpu, gpu or auto, was '" + name + "'");
        };
    }

    @Override
    public void add(long[] newIds, float[][] newVectors) {
        Objects.requireNonNull(newIds, "ids");
        Objects.requireNonNull(newVectors, "vectors");
        if (newIds.length != newVectors.length) {
            throw new InvalidInputException("ids.length " + newIds.length + " != vectors.length " + newVectors.length);
        }
        lock.writeLock().lock();
        try {
            checkOpen();
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < newIds.length; i++) {
                if (newVectors[i] == null || newVectors[i].length != dimension) {
                    throw new InvalidInputException("vector " + i + " (id " + newIds[i] + ") has dimension "
                            + (newVectors[i] == null ? "null" : newVectors[i].length) + ", index dimension is "
                            + dimension);
                }
                if (rows.containsKey(newIds[i]) || !seen.add(newIds[i])) {
                    throw new InvalidInputException("id " + newIds[i] + " is already in the index");
                }
            }
            ensureCapacity(count + newIds.length);
            for (int i = 0; i < newIds.length; i++) {
                ids[count] = newIds[i];
                System.arraycopy(newVectors[i], 0, vectors, count * dimension, dimension);
                rows.put(newIds[i], count);
                count++;
            }
            invalidate();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void ensureCapacity(int n) {
        if (n > ids.length) {
            int cap = Math.max(n, ids.length * 2);
            ids = Arrays.copyOf(ids, cap);
            vectors = Arrays.copyOf(vectors, cap * dimension);
        }
    }

    private void invalidate() {
        if (matrixT != null) {
            matrixT.close();
            matrixRows.close();
            matrixT = null;
            matrixRows = null;
        }
    }

    @Override
    public List<ScoredId> search(float[] query, int k) {
        Objects.requireNonNull(query, "query");
        if (query.length != dimension) {
            throw new InvalidInputException("query dimension " + query.length + " != index dimension " + dimension);
        }
        if (k <= 0) {
            throw new InvalidInputException("k must be > 0, was " + k);
        }
        lock.readLock().lock();
        try {
            checkOpen();
            if (count == 0) {
                return List.of();
            }
            NDArray m = matrix();
            int kk = Math.min(k, count);
            try (NDManager sub = manager.newSubManager()) {
                NDArray q = sub.create(query, new Shape(1, dimension));
                // q is the first operand, so the product and top-k belong to the sub-manager and are freed with it.
                NDArray scores = q.matMul(m).reshape(count);
                NDList top = scores.topK(kk, 0, true, true);
                float[] s = top.get(0).toFloatArray();
                long[] idx = top.get(1).toLongArray();
                List<ScoredId> out = new ArrayList<>(kk);
                for (int i = 0; i < kk; i++) {
                    out.add(new ScoredId(ids[(int) idx[i]], s[i]));
                }
                return out;
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    private NDArray matrix() {
        NDArray m = matrixT;
        if (m != null) {
            return m;
        }
        synchronized (this) {
            if (matrixT == null) {
                // The row-major array must stay referenced: on the CPU, PyTorch reads the Java buffer it was created
                // from, and a transposed view alone would not keep that buffer from being freed.
                matrixRows = manager.create(Arrays.copyOf(vectors, count * dimension), new Shape(count, dimension));
                matrixT = matrixRows.transpose();
            }
            return matrixT;
        }
    }

    @Override
    public void remove(Collection<Long> removeIds) {
        lock.writeLock().lock();
        try {
            checkOpen();
            Set<Long> gone = new HashSet<>(removeIds);
            int w = 0;
            rows.clear();
            for (int r = 0; r < count; r++) {
                if (gone.contains(ids[r])) {
                    continue;
                }
                if (w != r) {
                    ids[w] = ids[r];
                    System.arraycopy(vectors, r * dimension, vectors, w * dimension, dimension);
                }
                rows.put(ids[w], w);
                w++;
            }
            if (w != count) {
                count = w;
                invalidate();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public float[] vector(long id) {
        lock.readLock().lock();
        try {
            Integer r = rows.get(id);
            return r == null ? null : Arrays.copyOfRange(vectors, r * dimension, (r + 1) * dimension);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public int size() {
        lock.readLock().lock();
        try {
            return count;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public int dimension() {
        return dimension;
    }

    /** Number of NDArrays this index holds natively (0, or 2: the matrix and its transposed view); tests use it. */
    int nativeArrayCount() {
        return manager.getManagedArrays().size();
    }

    @Override
    public void save(Path directory) {
        lock.readLock().lock();
        try {
            checkOpen();
            VectorFile.write(directory.resolve(VECTORS), ids, vectors, count, dimension);
            ObjectNode d = IndexDescriptor.create(FORMAT, VERSION);
            d.put("dimension", dimension);
            d.put("count", count);
            d.put("vectors", VECTORS);
            IndexDescriptor.write(directory.resolve(DESCRIPTOR), d);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Loads an index written by {@link #save} onto {@code device}. */
    public static FlatIndex load(Path directory, Device device) {
        Path descriptor = directory.resolve(DESCRIPTOR);
        JsonNode d = IndexDescriptor.read(descriptor, FORMAT, VERSION);
        int dim = IndexDescriptor.intField(d, descriptor, "dimension");
        int n = IndexDescriptor.intField(d, descriptor, "count");
        VectorFile.Contents c = VectorFile.read(directory.resolve(VECTORS));
        if (c.dimension() != dim || c.count() != n) {
            throw new CorruptDataException(descriptor + ": dimension " + dim + " / count " + n
                    + " disagree with " + VECTORS + " (" + c.dimension() + " / " + c.count() + ")");
        }
        FlatIndex index = new FlatIndex(dim, device);
        float[][] rowsArr = new float[n][];
        for (int i = 0; i < n; i++) {
            rowsArr[i] = Arrays.copyOfRange(c.vectors(), i * dim, (i + 1) * dim);
        }
        index.add(c.ids(), rowsArr);
        return index;
    }

    private void checkOpen() {
        if (closed) {
            throw new StateException("FlatIndex is closed");
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                invalidate();
                manager.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
