package dev.memorag.store;

import java.io.Closeable;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes primitives little-endian, the byte order of every binary file in a save (safetensors, memory states,
 * vector files, graphs); {@link java.io.DataOutputStream} alone writes big-endian.
 *
 * <p>Thread-safety: not thread-safe.
 */
public final class LittleEndianDataOutput implements Closeable {
    private final DataOutputStream out;

    public LittleEndianDataOutput(OutputStream out) {
        this.out = new DataOutputStream(out);
    }

    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
    }

    public void writeBoolean(boolean v) throws IOException {
        out.writeBoolean(v);
    }

    public void writeInt(int v) throws IOException {
        out.writeInt(Integer.reverseBytes(v));
    }

    public void writeLong(long v) throws IOException {
        out.writeLong(Long.reverseBytes(v));
    }

    public void writeFloat(float v) throws IOException {
        writeInt(Float.floatToRawIntBits(v));
    }

    public void writeDouble(double v) throws IOException {
        writeLong(Double.doubleToRawLongBits(v));
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
