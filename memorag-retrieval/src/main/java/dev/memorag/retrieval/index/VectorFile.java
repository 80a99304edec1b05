package dev.memorag.retrieval.index;

import dev.memorag.error.StorageException;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.UnsupportedFormatException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The binary vector file shared by the indexes: magic {@code "MRVEC\n"}, format version (int), count (int), dimension
 * (int), then {@code count} ids (long) and {@code count × dimension} floats, all little-endian like every binary
 * file of a save (version 2; version 1 was big-endian).
 *
 * <p>Thread-safety: stateless.
 */
public final class VectorFile {
    static final byte[] MAGIC = "MRVEC\n".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 2;

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
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            buf.put(MAGIC).putInt(VERSION).putInt(count).putInt(dimension);
            for (int i = 0; i < count; i++) {
                buf = room(ch, buf, Long.BYTES).putLong(ids[i]);
            }
            for (int i = 0; i < count * dimension; i++) {
                buf = room(ch, buf, Float.BYTES).putFloat(vectors[i]);
            }
            drain(ch, buf);
        } catch (IOException e) {
            throw new StorageException("cannot write vector file " + file + ": " + e.getMessage(), e);
        }
    }

    private static ByteBuffer room(FileChannel ch, ByteBuffer buf, int bytes) throws IOException {
        if (buf.remaining() < bytes) {
            drain(ch, buf);
        }
        return buf;
    }

    private static void drain(FileChannel ch, ByteBuffer buf) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        buf.clear();
    }

    /** Reads a file written by {@link #write}, validating magic, version and sizes. */
    public static Contents read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            int headerBytes = MAGIC.length + 12;
            if (size < headerBytes) {
                throw new CorruptDataException(file + ": truncated vector file (" + size + " bytes)");
            }
            ByteBuffer head = readFully(ch, headerBytes);
            byte[] magic = new byte[MAGIC.length];
            head.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new CorruptDataException(file + ": not a memorag vector file (bad magic header)");
            }
            int version = head.getInt();
            if (version != VERSION) {
                throw new UnsupportedFormatException(file + ": vector file version " + version
                        + " is not supported (expected " + VERSION + ")");
            }
            int count = head.getInt();
            int dim = head.getInt();
            long expected = headerBytes + count * 8L + (long) count * dim * 4L;
            if (count < 0 || dim <= 0 || size != expected) {
                throw new CorruptDataException(file + ": header says count=" + count + " dimension=" + dim
                        + " (expected " + expected + " bytes) but the file has " + size + " bytes");
            }
            long[] ids = new long[count];
            readFully(ch, count * Long.BYTES).asLongBuffer().get(ids);
            float[] v = new float[count * dim];
            readFully(ch, v.length * Float.BYTES).asFloatBuffer().get(v);
            return new Contents(ids, v, dim);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("vector file not found: " + file, e);
        } catch (IOException e) {
            throw new StorageException("cannot read vector file " + file + ": " + e.getMessage(), e);
        }
    }

    private static ByteBuffer readFully(FileChannel ch, int bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new EOFException();
            }
        }
        return buf.flip();
    }
}
