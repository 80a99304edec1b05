package dev.memorag.memory.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.error.StorageException;
import dev.memorag.error.UnsupportedFormatException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryStateFileTest {
    private static final ModelFingerprint MODEL = new ModelFingerprint("beacon", 3, 2, 8, 32, 100, 16, 16, 0);

    @TempDir
    Path dir;

    static KvTensor random(Random rnd, int len) {
        float[] d = new float[2 * len * 8];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) rnd.nextGaussian();
        }
        return new KvTensor(2, len, 8, d);
    }

    static MemoryState sample(ModelFingerprint model) {
        Random rnd = new Random(7);
        List<LayerKv> layers = new ArrayList<>();
        for (int i = 0; i < model.layers(); i++) {
            layers.add(new LayerKv(random(rnd, 0), random(rnd, 0), random(rnd, 12), random(rnd, 12), random(rnd, 5),
                    random(rnd, 5)));
        }
        Cursors c = new Cursors(48, 52, 4, 0, 4, false, new int[] {0, 0, 0, 0, 1}, new int[] {5, 6, 7, 8}, 52,
                123456789L);
        return new MemoryState(model, c, layers);
    }

    @Test
    void float32RoundTripIsExact() {
        MemoryState s = sample(MODEL);
        Path f = dir.resolve(MemoryStateFile.FILE_NAME);
        MemoryStateFile.write(f, s, StorageType.FLOAT32);
        MemoryState r = MemoryStateFile.read(f, MODEL);
        assertEquals(s.model(), r.model());
        assertEquals(s.cursors().startIdx(), r.cursors().startIdx());
        assertEquals(s.cursors().endIdx(), r.cursors().endIdx());
        assertEquals(s.cursors().stepIdx(), r.cursors().stepIdx());
        assertEquals(s.cursors().chosenRatio(), r.cursors().chosenRatio());
        assertEquals(s.cursors().fullWindow(), r.cursors().fullWindow());
        assertEquals(s.cursors().rngState(), r.cursors().rngState());
        assertArrayEquals(s.cursors().openWindowBeaconIndices(), r.cursors().openWindowBeaconIndices());
        assertArrayEquals(s.cursors().openWindowIds(), r.cursors().openWindowIds());
        for (int i = 0; i < 3; i++) {
            KvTensor[] a = s.layers().get(i).tensors();
            KvTensor[] b = r.layers().get(i).tensors();
            for (int j = 0; j < 6; j++) {
                assertEquals(a[j].length(), b[j].length());
                assertArrayEquals(a[j].data(), b[j].data());
            }
        }
        assertEquals(17, r.entriesPerLayer());
        assertEquals(s.kvBytes(), r.kvBytes());
    }

    @Test
    void float16RoundTripIsCloseAndHalfTheSize() throws IOException {
        MemoryState s = sample(MODEL);
        Path f32 = dir.resolve("a.state");
        Path f16 = dir.resolve("b.state");
        MemoryStateFile.write(f32, s, StorageType.FLOAT32);
        MemoryStateFile.write(f16, s, StorageType.FLOAT16);
        MemoryState r = MemoryStateFile.read(f16, MODEL);
        float[] a = s.layers().get(2).beaconKey().data();
        float[] b = r.layers().get(2).beaconKey().data();
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 2e-3 * Math.max(1, Math.abs(a[i])));
        }
        // same header length ("float16" vs "float32"), half the tensor bytes
        assertEquals(Files.size(f32) - s.kvBytes() / 2, Files.size(f16));
    }

    @Test
    void truncatedFileIsRejectedNamingTheFile() throws IOException {
        Path f = dir.resolve("t.state");
        MemoryStateFile.write(f, sample(MODEL), StorageType.FLOAT32);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(raf.length() - 10);
        }
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> MemoryStateFile.read(f, MODEL));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("truncated"), e.getMessage());

        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(20);
        }
        e = assertThrows(CorruptDataException.class, () -> MemoryStateFile.read(f, MODEL));
        assertTrue(e.getMessage().contains("header length"), e.getMessage());
    }

    @Test
    void wrongMagicAndVersionAreRejected() throws IOException {
        Path f = dir.resolve("m.state");
        MemoryStateFile.write(f, sample(MODEL), StorageType.FLOAT32);
        byte[] bytes = Files.readAllBytes(f);
        bytes[0] = 'X';
        Files.write(f, bytes);
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> MemoryStateFile.read(f, MODEL));
        assertTrue(e.getMessage().contains("bad magic 'XRAGMEMS'"), e.getMessage());

        bytes[0] = 'M';
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 9);
        Files.write(f, bytes);
        UnsupportedFormatException u = assertThrows(UnsupportedFormatException.class,
                () -> MemoryStateFile.read(f, MODEL));
        assertTrue(u.getMessage().contains("format version 9") && u.getMessage().contains(f.toString()),
                u.getMessage());
    }

    @Test
    void stateFromAnotherModelIsRejectedNamingTheField() {
        Path f = dir.resolve("x.state");
        MemoryStateFile.write(f, sample(MODEL), StorageType.FLOAT32);
        ModelFingerprint other = new ModelFingerprint("beacon", 4, 2, 8, 32, 100, 16, 16, 0);
        StateException e = assertThrows(StateException.class, () -> MemoryStateFile.read(f, other));
        assertTrue(e.getMessage().contains("layers: 3 vs 4") && e.getMessage().contains(f.toString()),
                e.getMessage());
        ModelFingerprint dims = new ModelFingerprint("beacon", 3, 2, 16, 32, 100, 16, 16, 0);
        e = assertThrows(StateException.class, () -> MemoryStateFile.read(f, dims));
        assertTrue(e.getMessage().contains("head_dim: 8 vs 16"), e.getMessage());
    }

    @Test
    void headerDisagreeingWithDataIsRejected() throws IOException {
        Path f = dir.resolve("h.state");
        MemoryStateFile.write(f, sample(MODEL), StorageType.FLOAT32);
        String content = Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1);
        Files.writeString(f, content.replace("\"beacon\":12", "\"beacon\":13"),
                java.nio.charset.StandardCharsets.ISO_8859_1);
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> MemoryStateFile.read(f, MODEL));
        assertTrue(e.getMessage().contains("data_bytes"), e.getMessage());
    }

    @Test
    void missingFileIsInvalidInput() {
        Path f = dir.resolve("none.state");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> MemoryStateFile.read(f, MODEL));
        assertTrue(e.getMessage().contains(f.toString()));
    }

    @Test
    void failedSaveLeavesPreviousFileIntact() throws IOException {
        Path f = dir.resolve("keep.state");
        MemoryState s = sample(MODEL);
        MemoryStateFile.write(f, s, StorageType.FLOAT32);
        byte[] before = Files.readAllBytes(f);
        // an interrupted thread makes the channel write fail half-way (ClosedByInterruptException)
        MemoryState other = sample(new ModelFingerprint("beacon", 3, 2, 8, 32, 100, 32, 32, 0));
        Thread.currentThread().interrupt();
        try {
            assertThrows(StorageException.class, () -> MemoryStateFile.write(f, other, StorageType.FLOAT32));
        } finally {
            Thread.interrupted();
        }
        assertArrayEquals(before, Files.readAllBytes(f));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }
    }
}
