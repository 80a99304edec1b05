package dev.memorag.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.MemoRagException;
import dev.memorag.error.StateException;
import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.testing.TestData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufFileTest {
    @TempDir
    Path dir;

    private Path sample() {
        Path f = dir.resolve("m.gguf");
        new GgufWriter()
                .putString("general.architecture", "llama")
                .putU32("llama.block_count", 2)
                .putI32("signed", -5)
                .putU64("big", 1L << 40)
                .putF32("eps", 1e-5f)
                .putBool("flag", true)
                .putStrings("tokens", List.of("a", "Ġb", "東京"))
                .putI32s("types", new int[] {1, 3, 6})
                .putF32s("scores", new float[] {0.5f, -1f})
                .f32("w", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})
                .f32("b", new long[] {3}, new float[] {-1, 0, 1})
                .write(f);
        return f;
    }

    @Test
    void roundTripsMetadataAndTensors() {
        try (GgufFile g = GgufFile.open(sample())) {
            assertEquals(3, g.version());
            assertEquals("llama", g.requireString("general.architecture"));
            assertEquals(2L, g.requireInteger("llama.block_count"));
            assertEquals(-5L, g.requireInteger("signed"));
            assertEquals(1L << 40, g.requireInteger("big"));
            assertEquals(1e-5f, g.number("eps").orElseThrow().floatValue());
            assertEquals(true, g.metadata().get("flag"));
            assertEquals(List.of("a", "Ġb", "東京"), g.requireArray("tokens", String.class));
            assertEquals(List.of(1L, 3L, 6L), g.requireArray("types", Long.class));
            assertEquals(List.of(0.5, -1.0), g.requireArray("scores", Double.class));
            GgufTensor w = g.tensor("w");
            assertArrayEquals(new long[] {3, 2}, w.dims());
            assertArrayEquals(new long[] {2, 3}, w.shape());
            assertEquals(0, w.offset() % 32);
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, g.readFloats("w"));
            assertArrayEquals(new float[] {-1, 0, 1}, g.readFloats("b"));
            assertEquals(List.of("w", "b"), List.copyOf(g.tensors().keySet()));
        }
    }

    @Test
    void versionTwoAndCustomAlignmentAreRead() {
        Path f = dir.resolve("v2.gguf");
        new GgufWriter().version(2).alignment(64).f32("x", new long[] {4}, new float[] {1, 2, 3, 4}).write(f);
        try (GgufFile g = GgufFile.open(f)) {
            assertEquals(2, g.version());
            assertEquals(0, g.tensor("x").offset() % 64);
            assertArrayEquals(new float[] {1, 2, 3, 4}, g.readFloats("x"));
        }
    }

    /** Every type against gguf-py's dequantisation of the same bytes (scripts/goldens/smollm2_gguf.py). */
    @Test
    void dequantisesLikeTheReference() throws IOException {
        JsonNode golden = new ObjectMapper().readTree(TestData.path("gguf/dequant_golden.json").toFile());
        int checked = 0;
        for (JsonNode g : golden) {
            GgmlType type = GgmlType.valueOf(g.get("type").asText());
            byte[] bytes = HexFormat.of().parseHex(g.get("hex").asText());
            float[] expected = new float[g.get("values").size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = (float) g.get("values").get(i).asDouble();
            }
            assertEquals(type.bytesFor(expected.length), bytes.length, type.name());
            Path f = dir.resolve(type + ".gguf");
            new GgufWriter().tensor("t", type, new long[] {expected.length}, bytes).write(f);
            try (GgufFile file = GgufFile.open(f)) {
                float[] actual = file.readFloats("t");
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], actual[i], Math.abs(expected[i]) * 1e-6f, type + " element " + i);
                }
            }
            checked++;
        }
        assertEquals(9, checked);
    }

    @Test
    void badMagicNamesFileAndValue() throws IOException {
        Path f = sample();
        patch(f, 0, ByteBuffer.allocate(4).put("GGML".getBytes()).array());
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> GgufFile.open(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("magic"), e.getMessage());
    }

    @Test
    void unknownVersionIsUnsupported() {
        for (int v : new int[] {1, 4, 0x03000000}) {
            Path f = dir.resolve("v" + v + ".gguf");
            new GgufWriter().version(v).write(f);
            UnsupportedFormatException e = assertThrows(UnsupportedFormatException.class, () -> GgufFile.open(f));
            assertTrue(e.getMessage().contains("'version' is " + v), e.getMessage());
        }
    }

    @Test
    void truncatedFilesFailAtEveryCut() throws IOException {
        byte[] whole = Files.readAllBytes(sample());
        GgufTensor last;
        try (GgufFile g = GgufFile.open(sample())) {
            last = g.tensor("b");
        }
        // Every cut inside the header and tensor table, and one inside the data of the last tensor.
        for (long cut : new long[] {0, 3, 7, 20, 40, 100, 200, last.offset() - 1, last.offset() + 5}) {
            Path f = dir.resolve("cut" + cut + ".gguf");
            Files.write(f, java.util.Arrays.copyOf(whole, (int) cut));
            MemoRagException e = assertThrows(CorruptDataException.class, () -> GgufFile.open(f), "cut " + cut);
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        }
    }

    @Test
    void unknownTensorTypeIsNamed() {
        Path f = dir.resolve("t.gguf");
        new GgufWriter().tensor("blk.0.attn_q.weight", 99, new long[] {32}, new byte[64]).write(f);
        UnsupportedFormatException e = assertThrows(UnsupportedFormatException.class, () -> GgufFile.open(f));
        assertTrue(e.getMessage().contains("blk.0.attn_q.weight") && e.getMessage().contains("ggml type 99"),
                e.getMessage());
    }

    @Test
    void rowsNotWholeBlocksAreRejected() {
        Path f = dir.resolve("q.gguf");
        new GgufWriter().tensor("q", GgmlType.Q8_0, new long[] {33}, new byte[68]).write(f);
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> GgufFile.open(f));
        assertTrue(e.getMessage().contains("dims[0] = 33") && e.getMessage().contains("block size 32"),
                e.getMessage());
    }

    @Test
    void tensorsPastTheEndAreRejected() {
        Path f = dir.resolve("short.gguf");
        // Declares 64 elements of F32 (256 bytes) but stores only 32 bytes.
        new GgufWriter().tensor("x", GgmlType.F32, new long[] {64}, new byte[32]).write(f);
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> GgufFile.open(f));
        assertTrue(e.getMessage().contains("tensor 'x'") && e.getMessage().contains("past the end"),
                e.getMessage());
    }

    @Test
    void overlappingAndMisalignedOffsetsAreRejected() throws IOException {
        Path f = dir.resolve("o.gguf");
        new GgufWriter().f32("a", new long[] {16}, new float[16]).f32("b", new long[] {16}, new float[16]).write(f);
        // name "b", then n_dims (4 bytes), one dimension (8), the type (4): then the offset field
        long bOffsetField = indexOf(Files.readAllBytes(f), "b".getBytes(), 24) + 1 + 4 + 8 + 4;
        patch(f, bOffsetField, le(0)); // b now starts where a does
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> GgufFile.open(f));
        assertTrue(e.getMessage().contains("overlap"), e.getMessage());
        patch(f, bOffsetField, le(70));
        e = assertThrows(CorruptDataException.class, () -> GgufFile.open(f));
        assertTrue(e.getMessage().contains("'offset' 70") && e.getMessage().contains("alignment 32"), e.getMessage());
    }

    @Test
    void absurdCountsAreRejectedBeforeAllocating() throws IOException {
        Path f = sample();
        patch(f, 8, le(Long.MAX_VALUE / 2)); // tensor_count
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> GgufFile.open(f));
        assertTrue(e.getMessage().contains("'tensor_count'"), e.getMessage());
    }

    @Test
    void wrongMetadataTypesAndMissingKeysAreNamed() {
        try (GgufFile g = GgufFile.open(sample())) {
            CorruptDataException e = assertThrows(CorruptDataException.class, () -> g.requireInteger("eps"));
            assertTrue(e.getMessage().contains("'eps'") && e.getMessage().contains("integer"), e.getMessage());
            e = assertThrows(CorruptDataException.class, () -> g.requireString("nope"));
            assertTrue(e.getMessage().contains("'nope' is missing"), e.getMessage());
            e = assertThrows(CorruptDataException.class, () -> g.requireArray("tokens", Long.class));
            assertTrue(e.getMessage().contains("tokens[0]"), e.getMessage());
            assertThrows(InvalidInputException.class, () -> g.tensor("missing"));
        }
    }

    @Test
    void missingFileAndUseAfterCloseAreClear() {
        assertThrows(InvalidInputException.class, () -> GgufFile.open(dir.resolve("none.gguf")));
        GgufFile g = GgufFile.open(sample());
        g.close();
        g.close();
        assertThrows(StateException.class, () -> g.readFloats("w"));
    }

    static void patch(Path f, long at, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), at);
        }
    }

    static byte[] le(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    /** Position of the length-prefixed name {@code name} (its first byte) at or after {@code from}. */
    static int indexOf(byte[] hay, byte[] name, int from) {
        byte[] needle = ByteBuffer.allocate(8 + name.length).order(ByteOrder.LITTLE_ENDIAN).putLong(name.length)
                .put(name).array();
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i + 8;
        }
        throw new AssertionError("not found");
    }
}
