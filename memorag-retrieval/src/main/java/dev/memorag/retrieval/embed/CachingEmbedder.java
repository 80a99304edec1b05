package dev.memorag.retrieval.embed;

import dev.memorag.error.StorageException;
import dev.memorag.error.CorruptDataException;
import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.Embedder;
import dev.memorag.api.ProgressListener;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Wraps an embedder with an on-disk cache of vectors keyed by SHA-256 of (purpose, text), so repeated evaluations and
 * re-indexing of unchanged text skip the model. One append-only file per embedder id and dimension: magic
 * {@code "MREMBC\n"}, version, dimension, then records of 32-byte key + {@code dimension} floats.
 *
 * <p>Thread-safety: thread-safe (calls are serialised on the cache).
 */
public final class CachingEmbedder implements Embedder {
    private static final byte[] MAGIC = "MREMBC\n".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;

    private final Embedder delegate;
    private final Path file;
    private final Map<String, float[]> cache = new HashMap<>();

    /** Caches {@code delegate}'s vectors under {@code directory} (created when missing). */
    public CachingEmbedder(Embedder delegate, Path directory) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        String safe = delegate.id().replaceAll("[^A-Za-z0-9._-]", "_");
        this.file = directory.resolve(safe + "-" + delegate.dimension() + ".embcache");
        try {
            Files.createDirectories(directory);
            if (Files.exists(file)) {
                read();
            } else {
                try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
                    out.write(MAGIC);
                    out.writeInt(VERSION);
                    out.writeInt(delegate.dimension());
                }
            }
        } catch (IOException e) {
            throw new StorageException("cannot open embedding cache " + file + ": " + e.getMessage(), e);
        }
    }

    private void read() throws IOException {
        int dim = delegate.dimension();
        try (InputStream is = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(is, 1 << 16))) {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC) || in.readInt() != VERSION || in.readInt() != dim) {
                throw new CorruptDataException(file + ": not an embedding cache of version " + VERSION
                        + " and dimension " + dim);
            }
            byte[] key = new byte[32];
            while (true) {
                try {
                    in.readFully(key);
                } catch (EOFException end) {
                    break;
                }
                float[] v = new float[dim];
                try {
                    for (int d = 0; d < dim; d++) {
                        v[d] = in.readFloat();
                    }
                } catch (EOFException torn) {
                    break; // a record torn by a crash is simply recomputed
                }
                cache.put(HexFormat.of().formatHex(key), v);
            }
        }
    }

    private static byte[] key(EmbedPurpose purpose, String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(purpose.name().getBytes(StandardCharsets.US_ASCII));
            md.update((byte) 0);
            return md.digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized float[][] embed(List<String> texts, EmbedPurpose purpose, ProgressListener progress) {
        float[][] out = new float[texts.size()][];
        List<Integer> missing = new ArrayList<>();
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            byte[] k = key(purpose, texts.get(i));
            keys.add(k);
            float[] v = cache.get(HexFormat.of().formatHex(k));
            if (v != null) {
                out[i] = v.clone();
            } else {
                missing.add(i);
            }
        }
        if (!missing.isEmpty()) {
            List<String> todo = missing.stream().map(texts::get).toList();
            float[][] fresh = delegate.embed(todo, purpose, progress);
            try (DataOutputStream w = new DataOutputStream(new BufferedOutputStream(
                    Files.newOutputStream(file, StandardOpenOption.APPEND), 1 << 16))) {
                for (int j = 0; j < missing.size(); j++) {
                    int i = missing.get(j);
                    out[i] = fresh[j];
                    w.write(keys.get(i));
                    for (float x : fresh[j]) {
                        w.writeFloat(x);
                    }
                    cache.put(HexFormat.of().formatHex(keys.get(i)), fresh[j].clone());
                }
            } catch (IOException e) {
                throw new StorageException("cannot append to embedding cache " + file + ": " + e.getMessage(), e);
            }
        }
        progress.onProgress("embed", texts.size(), texts.size());
        return out;
    }

    @Override
    public int dimension() {
        return delegate.dimension();
    }

    @Override
    public String id() {
        return delegate.id();
    }

    /** Closes the wrapped embedder. */
    @Override
    public void close() {
        delegate.close();
    }
}
