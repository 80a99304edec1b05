package dev.memorag.retrieval.index;

import dev.memorag.error.StorageException;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.UnsupportedFormatException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The binary vector file shared by the indexes: magic {@code "MRVEC\n"}, format version (int), count (int), dimension
 * (int), then {@code count} ids (long) and {@code count × dimension} floats, all big-endian.
 *
 * <p>Thread-safety: stateless.
 */
public final class VectorFile {
    static final byte[] MAGIC = "MRVEC\n".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;

    private VectorFile() {
    }

    /** Ids and row-major vectors read from a file. */
    public record Contents(long[] ids, float[] vectors, int dimension) {
        public int count() {
            return ids.length;
        }
    }

    /** Writes {@code count} ids and their vectors (row-major, {@code count × dimension}). */
    public static void write(Path file, long[] ids, float[] vectors, int count, int dimension) {
        try (OutputStream os = Files.newOutputStream(file);
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os, 1 << 16))) {
            out.write(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(count);
            out.writeInt(dimension);
            for (int i = 0; i < count; i++) {
                out.writeLong(ids[i]);
            }
            for (int i = 0; i < count * dimension; i++) {
                out.writeFloat(vectors[i]);
            }
        } catch (IOException e) {
            throw new StorageException("cannot write vector file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a file written by {@link #write}, validating magic, version and sizes. */
    public static Contents read(Path file) {
        try (InputStream is = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(new BufferedInputStream(is, 1 << 16))) {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new CorruptDataException(file + ": not a memorag vector file (bad magic header)");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new UnsupportedFormatException(file + ": vector file version " + version
                        + " is not supported (expected " + VERSION + ")");
            }
            int count = in.readInt();
            int dim = in.readInt();
            long expected = MAGIC.length + 12L + count * 8L + (long) count * dim * 4L;
            if (count < 0 || dim <= 0 || Files.size(file) != expected) {
                throw new CorruptDataException(file + ": header says count=" + count + " dimension=" + dim
                        + " (expected " + expected + " bytes) but the file has " + Files.size(file) + " bytes");
            }
            long[] ids = new long[count];
            for (int i = 0; i < count; i++) {
                ids[i] = in.readLong();
            }
            float[] v = new float[count * dim];
            for (int i = 0; i < v.length; i++) {
                v[i] = in.readFloat();
            }
            return new Contents(ids, v, dim);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("vector file not found: " + file, e);
        } catch (EOFException e) {
            throw new CorruptDataException(file + ": truncated vector file", e);
        } catch (IOException e) {
            throw new StorageException("cannot read vector file " + file + ": " + e.getMessage(), e);
        }
    }
}
