package dev.memorag.store;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads what {@link LittleEndianDataOutput} writes; end of input is {@link java.io.EOFException} as with
 * {@link java.io.DataInputStream}.
 *
 * <p>Thread-safety: not thread-safe.
 */
public final class LittleEndianDataInput implements Closeable {
    private final DataInputStream in;

    public LittleEndianDataInput(InputStream in) {
        this.in = new DataInputStream(in);
    }

    /** The next byte, or -1 at the end (to check nothing follows the data). */
    public int read() throws IOException {
        return in.read();
    }

    public void readFully(byte[] bytes) throws IOException {
        in.readFully(bytes);
    }

    public boolean readBoolean() throws IOException {
        return in.readBoolean();
    }

    public int readInt() throws IOException {
        return Integer.reverseBytes(in.readInt());
    }

    public long readLong() throws IOException {
        return Long.reverseBytes(in.readLong());
    }

    public float readFloat() throws IOException {
        return Float.intBitsToFloat(readInt());
    }

    public double readDouble() throws IOException {
        return Double.longBitsToDouble(readLong());
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
