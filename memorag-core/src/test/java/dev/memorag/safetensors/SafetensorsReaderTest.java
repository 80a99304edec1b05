package dev.memorag.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.MemoRagException;
import dev.memorag.error.StateException;
import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.testing.TestData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SafetensorsReaderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Keeps the fixtures' shortest float32 decimals exact (no detour through double). */
    private static final ObjectMapper EXACT = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    @TempDir
    Path tmp;

    /** An independent parse of a safetensors file: header JSON and the data section's bytes. */
    private record Raw(ObjectNode header, byte[] data) {
        static Raw read(Path file) throws IOException {
            byte[] all = Files.readAllBytes(file);
            long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            ObjectNode header = (ObjectNode) JSON.readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8));
            return new Raw(header, Arrays.copyOfRange(all, 8 + (int) n, all.length));
        }

        List<String> names() {
            List<String> out = new ArrayList<>();
            header.fieldNames().forEachRemaining(k -> {
                if (!k.equals("__metadata__")) {
                    out.add(k);
                }
            });
            return out;
        }

        float[] f32(String name) {
            JsonNode t = header.get(name);
            assertEquals("F32", t.get("dtype").textValue());
            int begin = t.get("data_offsets").get(0).intValue();
            int end = t.get("data_offsets").get(1).intValue();
            float[] out = new float[(end - begin) / 4];
            for (int i = 0; i < out.length; i++) {
                int bits = (data[begin + 4 * i] & 0xff) | (data[begin + 4 * i + 1] & 0xff) << 8
                        | (data[begin + 4 * i + 2] & 0xff) << 16 | (data[begin + 4 * i + 3] & 0xff) << 24;
                out[i] = Float.intBitsToFloat(bits);
            }
            return out;
        }

        /** Writes {@code header} (unpadded) and {@code data} as a safetensors file. */
        static void write(Path file, JsonNode header, byte[] data) throws IOException {
            byte[] h = JSON.writeValueAsBytes(header);
            ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(h.length).put(h).put(data);
            Files.write(file, b.array());
        }
    }

    private static JsonNode config(String model) throws IOException {
        return JSON.readTree(TestData.path("golden/" + model + "/config.json").toFile());
    }

    private static long[] shape(SafetensorsReader r, String name) {
        return r.info(name).shape();
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "mistral", "llama3", "xlm-roberta", "bert", "memorag-beacon-qwen2"})
    void everyGoldenModelLoadsWithValuesEqualToTheRawBytes(String model) throws IOException {
        Path dir = TestData.path("golden/" + model);
        Raw raw = Raw.read(dir.resolve("model.safetensors"));
        JsonNode golden = JSON.readTree(dir.resolve("golden.json").toFile());
        try (SafetensorsReader r = SafetensorsReader.open(dir)) {
            assertEquals(new TreeSet<>(raw.names()), r.names());
            List<String> keys = new ArrayList<>();
            golden.get("safetensors_keys").forEach(k -> keys.add(k.textValue()));
            assertEquals(new TreeSet<>(keys), r.names(), "tensor names equal the fixture's state_dict keys");
            assertEquals("pt", r.metadata().get("format"));
            for (String name : raw.names()) {
                TensorInfo info = r.info(name);
                assertEquals(DType.F32, info.dtype());
                long[] rawShape = new long[raw.header().get(name).get("shape").size()];
                for (int i = 0; i < rawShape.length; i++) {
                    rawShape[i] = raw.header().get(name).get("shape").get(i).longValue();
                }
                assertArrayEquals(rawShape, info.shape(), name);
                float[] expected = raw.f32(name);
                assertEquals(expected.length, info.elementCount());
                float[] actual = r.readFloats(name);
                for (int i = 0; i < expected.length; i++) {
                    if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                        throw new AssertionError(model + " " + name + "[" + i + "]: " + actual[i] + " != "
                                + expected[i]);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "mistral", "llama3", "memorag-beacon-qwen2"})
    void decoderShapesAgreeWithConfig(String model) throws IOException {
        JsonNode c = config(model);
        int hidden = c.get("hidden_size").intValue();
        int layers = c.get("num_hidden_layers").intValue();
        int heads = c.get("num_attention_heads").intValue();
        int kvHeads = c.get("num_key_value_heads").intValue();
        int headDim = c.hasNonNull("head_dim") ? c.get("head_dim").intValue() : hidden / heads;
        int vocab = c.get("vocab_size").intValue();
        int inter = c.get("intermediate_size").intValue();
        try (SafetensorsReader r = SafetensorsReader.open(TestData.path("golden/" + model))) {
            assertArrayEquals(new long[] {vocab, hidden}, shape(r, "model.embed_tokens.weight"));
            assertArrayEquals(new long[] {hidden}, shape(r, "model.norm.weight"));
            boolean tied = c.path("tie_word_embeddings").asBoolean(false);
            assertEquals(!tied, r.contains("lm_head.weight"), "lm_head present iff untied");
            if (!tied) {
                assertArrayEquals(new long[] {vocab, hidden}, shape(r, "lm_head.weight"));
            }
            for (int l = 0; l < layers; l++) {
                String p = "model.layers." + l + ".";
                assertArrayEquals(new long[] {(long) heads * headDim, hidden}, shape(r, p + "self_attn.q_proj.weight"));
                assertArrayEquals(new long[] {(long) kvHeads * headDim, hidden}, shape(r, p + "self_attn.k_proj.weight"));
                assertArrayEquals(new long[] {(long) kvHeads * headDim, hidden}, shape(r, p + "self_attn.v_proj.weight"));
                assertArrayEquals(new long[] {hidden, (long) heads * headDim}, shape(r, p + "self_attn.o_proj.weight"));
                assertArrayEquals(new long[] {inter, hidden}, shape(r, p + "mlp.gate_proj.weight"));
                assertArrayEquals(new long[] {inter, hidden}, shape(r, p + "mlp.up_proj.weight"));
                assertArrayEquals(new long[] {hidden, inter}, shape(r, p + "mlp.down_proj.weight"));
                assertArrayEquals(new long[] {hidden}, shape(r, p + "input_layernorm.weight"));
            }
            assertFalse(r.contains("model.layers." + layers + ".input_layernorm.weight"), "no extra layer");
            if (model.startsWith("memorag")) {
                assertArrayEquals(new long[] {1, hidden}, shape(r, "model.beacon_embed_tokens.weight"));
                assertArrayEquals(new long[] {(long) kvHeads * headDim},
                        shape(r, "model.layers.0.self_attn.beacon_k_proj.bias"));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"xlm-roberta", "bert"})
    void encoderShapesAgreeWithConfig(String model) throws IOException {
        JsonNode c = config(model);
        int hidden = c.get("hidden_size").intValue();
        int layers = c.get("num_hidden_layers").intValue();
        int vocab = c.get("vocab_size").intValue();
        int inter = c.get("intermediate_size").intValue();
        try (SafetensorsReader r = SafetensorsReader.open(TestData.path("golden/" + model))) {
            assertArrayEquals(new long[] {vocab, hidden}, shape(r, "embeddings.word_embeddings.weight"));
            assertArrayEquals(new long[] {c.get("max_position_embeddings").intValue(), hidden},
                    shape(r, "embeddings.position_embeddings.weight"));
            assertArrayEquals(new long[] {c.get("type_vocab_size").intValue(), hidden},
                    shape(r, "embeddings.token_type_embeddings.weight"));
            for (int l = 0; l < layers; l++) {
                String p = "encoder.layer." + l + ".";
                assertArrayEquals(new long[] {hidden, hidden}, shape(r, p + "attention.self.query.weight"));
                assertArrayEquals(new long[] {inter, hidden}, shape(r, p + "intermediate.dense.weight"));
                assertArrayEquals(new long[] {hidden, inter}, shape(r, p + "output.dense.weight"));
            }
            assertFalse(r.contains("encoder.layer." + layers + ".output.dense.weight"));
            // hidden must split evenly into the configured heads
            assertEquals(0, hidden % c.get("num_attention_heads").intValue());
        }
    }

    @Test
    void decoderEmbeddingRowsEqualTheGoldenEmbeddingOutput() throws IOException {
        // hidden_states[0] in the fixtures is HF's embedding output, a plain row gather of embed_tokens
        for (String model : List.of("qwen2", "mistral", "llama3")) {
            JsonNode golden = EXACT.readTree(TestData.path("golden/" + model + "/golden.json").toFile());
            try (SafetensorsReader r = SafetensorsReader.open(TestData.path("golden/" + model + "/model.safetensors"))) {
                float[] embed = r.readFloats("model.embed_tokens.weight");
                int hidden = (int) r.info("model.embed_tokens.weight").shape()[1];
                JsonNode ids = golden.get("input_ids");
                JsonNode h0 = golden.get("hidden_states").get("values").get(0);
                for (int t = 0; t < ids.size(); t++) {
                    int id = ids.get(t).intValue();
                    for (int j = 0; j < hidden; j++) {
                        assertEquals(Float.parseFloat(h0.get(t).get(j).asText()), embed[id * hidden + j],
                                model + " token " + t + " dim " + j);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ writer round trip

    private static float[] sampleValues() {
        java.util.Random rnd = new java.util.Random(42);
        float[] v = new float[1000];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 3));
        }
        float[] special = {0f, -0f, 1f, -2.5f, 0.5f, 65504f, 1e-7f, -3.0e-6f, Float.MIN_NORMAL, 1e30f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 3.140625f, 1024f};
        System.arraycopy(special, 0, v, 0, special.length);
        return v;
    }

    @Test
    void writerRoundTripF32IsExact() throws IOException {
        float[] v = sampleValues();
        Path f = tmp.resolve("f32.safetensors");
        new SafetensorsWriter().put("a", new long[] {10, 100}, v).put("b.scalar", new long[] {}, new float[] {7f})
                .put("empty", new long[] {0, 4}, new float[0]).metadata("note", "x").write(f, DType.F32);
        try (SafetensorsReader r = SafetensorsReader.open(f)) {
            assertArrayEquals(v, r.readFloats("a"));
            assertArrayEquals(new float[] {7f}, r.readFloats("b.scalar"));
            assertArrayEquals(new long[] {}, r.info("b.scalar").shape());
            assertEquals(0, r.readFloats("empty").length);
            assertEquals("x", r.metadata().get("note"));
            // data section starts 8-byte aligned
            assertEquals(0, r.info("a").offset() % 8);
        }
    }

    @Test
    void writerRoundTripF16WithinRoundingAndExactForRepresentableValues() throws IOException {
        float[] v = sampleValues();
        float[] back = roundTrip(v, "f16.safetensors", DType.F16);
        for (int i = 0; i < v.length; i++) {
            float x = v[i];
            float y = back[i];
            if (Float.isNaN(x)) {
                assertTrue(Float.isNaN(y));
            } else if (Math.abs(x) > 65520f) {
                assertEquals(Math.copySign(Float.POSITIVE_INFINITY, x), y, "overflow to infinity");
            } else if (Math.abs(x) >= 0x1p-14f) {
                // normal range: error at most half a unit in the last place of 11 significant bits
                float halfUlp = Math.scalb(1f, Math.getExponent(x) - 11);
                assertTrue(Math.abs(x - y) <= halfUlp, x + " -> " + y);
            } else {
                // subnormal range: absolute error at most half the smallest subnormal
                assertTrue(Math.abs(x - y) <= 0x1p-25f, x + " -> " + y);
            }
        }
        for (int i = 0; i < 15; i++) {
            float x = v[i];
            boolean representable = x == 0f || Float.isInfinite(x) || x == 1f || x == -2.5f || x == 0.5f
                    || x == 65504f || x == 3.140625f || x == 1024f;
            if (representable) {
                assertEquals(Float.floatToIntBits(x), Float.floatToIntBits(back[i]), "exact for " + x);
            }
        }
    }

    @Test
    void writerRoundTripBf16WithinRoundingAndExactForRepresentableValues() throws IOException {
        float[] v = sampleValues();
        float[] back = roundTrip(v, "bf16.safetensors", DType.BF16);
        for (int i = 0; i < v.length; i++) {
            float x = v[i];
            float y = back[i];
            if (Float.isNaN(x)) {
                assertTrue(Float.isNaN(y));
            } else if (Float.isInfinite(x)) {
                assertEquals(x, y);
            } else {
                assertEquals(bf16Nearest(x), y, "round-to-nearest-even of " + x);
                assertTrue(Math.abs(x - y) <= Math.abs(x) * 0x1p-8f, x + " -> " + y);
            }
        }
        for (float x : new float[] {0f, 1f, -2.5f, 0.5f, 1024f, 3.140625f}) {
            int i = indexOf(v, x);
            assertEquals(Float.floatToIntBits(x), Float.floatToIntBits(back[i]), "exact for " + x);
        }
    }

    /** Writes {@code v} as tensor "a" in {@code dtype} to {@code file}, checks the stored dtype and reads it back. */
    private float[] roundTrip(float[] v, String file, DType dtype) throws IOException {
        Path f = tmp.resolve(file);
        new SafetensorsWriter().put("a", new long[] {v.length}, v).write(f, dtype);
        try (SafetensorsReader r = SafetensorsReader.open(f)) {
            assertEquals(dtype, r.info("a").dtype());
            return r.readFloats("a");
        }
    }

    private static int indexOf(float[] v, float x) {
        for (int i = 0; i < v.length; i++) {
            if (Float.floatToIntBits(v[i]) == Float.floatToIntBits(x)) {
                return i;
            }
        }
        throw new AssertionError(x + " not in sample");
    }

    /** Reference bf16 rounding computed in double: the nearer of the two neighbours, ties to an even mantissa. */
    private static float bf16Nearest(float x) {
        int bits = Float.floatToRawIntBits(x);
        float down = Float.intBitsToFloat(bits & 0xffff0000);
        float up = Float.intBitsToFloat((bits & 0xffff0000) + 0x10000);
        double dd = Math.abs((double) x - down);
        double du = Math.abs((double) up - x);
        if (dd < du) {
            return down;
        }
        if (du < dd) {
            return up;
        }
        return ((bits >>> 16) & 1) == 0 ? down : up;
    }

    @Test
    void halfConversionIsExactOnEveryBitPattern() {
        for (int h = 0; h < 0x10000; h++) {
            float f = Half.toFloat((short) h);
            int exp = (h >>> 10) & 0x1f;
            int mant = h & 0x3ff;
            if (exp == 0x1f && mant != 0) {
                assertTrue(Float.isNaN(f));
                assertTrue(Float.isNaN(Half.toFloat(Half.fromFloat(f))));
                continue;
            }
            // independent value: (-1)^s * 2^(e-15) * (1 + m/1024), or 2^-14 * m/1024 for subnormals
            double expected = exp == 0x1f ? Double.POSITIVE_INFINITY
                    : exp == 0 ? mant * Math.pow(2, -24) : Math.pow(2, exp - 15) * (1 + mant / 1024.0);
            if ((h & 0x8000) != 0) {
                expected = -expected;
            }
            assertEquals(expected, f, 0.0, "half bits " + Integer.toHexString(h));
            assertEquals(h, Half.fromFloat(f) & 0xffff, "round trip of " + Integer.toHexString(h));
        }
        // ties round to even
        assertEquals(0x3c00, Half.fromFloat(1f + 0x1p-11f));
        assertEquals(0x3c02, Half.fromFloat(1f + 3 * 0x1p-11f));
        assertEquals(0x0000, Half.fromFloat(0x1p-25f));
        assertEquals(0x0001, Half.fromFloat(0x1.8p-25f));
        assertEquals(0x7c00, Half.fromFloat(65520f));
        assertEquals(0x7bff, Half.fromFloat(65519f));
    }

    // ------------------------------------------------------------------ sharded checkpoints

    @Test
    void shardedCheckpointReadsLikeTheSingleFile() throws IOException {
        Path golden = TestData.path("golden/mistral/model.safetensors");
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        Map<String, String> weightMap = new LinkedHashMap<>();
        try (SafetensorsReader single = SafetensorsReader.open(golden)) {
            SafetensorsWriter first = new SafetensorsWriter();
            SafetensorsWriter second = new SafetensorsWriter();
            int i = 0;
            for (String name : single.names()) {
                boolean one = i++ % 2 == 0;
                (one ? first : second).put(name, single.info(name).shape(), single.readFloats(name));
                weightMap.put(name, one ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
            }
            first.write(dir.resolve("model-00001-of-00002.safetensors"), DType.F32);
            second.write(dir.resolve("model-00002-of-00002.safetensors"), DType.F32);
            writeIndex(dir, weightMap);
            try (SafetensorsReader sharded = SafetensorsReader.open(dir)) {
                assertEquals(single.names(), sharded.names());
                for (String name : single.names()) {
                    assertArrayEquals(single.info(name).shape(), sharded.info(name).shape());
                    assertArrayEquals(single.readFloats(name), sharded.readFloats(name), name);
                    assertEquals(weightMap.get(name), sharded.info(name).file().getFileName().toString());
                }
            }
            try (SafetensorsReader viaIndex = SafetensorsReader.open(dir.resolve("model.safetensors.index.json"))) {
                assertEquals(single.names(), viaIndex.names());
                assertEquals(2, viaIndex.names().stream().map(n -> viaIndex.info(n).file()).distinct().count());
            }
        }
        // the index must agree with the shards
        Map<String, String> wrong = new LinkedHashMap<>(weightMap);
        String moved = wrong.keySet().iterator().next();
        wrong.put(moved, "model-00002-of-00002.safetensors");
        writeIndex(dir, wrong);
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> SafetensorsReader.open(dir));
        assertTrue(e.getMessage().contains("model.safetensors.index.json") && e.getMessage().contains(moved),
                e.getMessage());
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        writeIndex(dir, weightMap);
        e = assertThrows(CorruptDataException.class, () -> SafetensorsReader.open(dir));
        assertTrue(e.getMessage().contains("model-00002-of-00002.safetensors") && e.getMessage().contains("missing"),
                e.getMessage());
        Map<String, String> escaping = new LinkedHashMap<>(weightMap);
        escaping.put(moved, "../model.safetensors");
        writeIndex(dir, escaping);
        e = assertThrows(CorruptDataException.class, () -> SafetensorsReader.open(dir));
        assertTrue(e.getMessage().contains("../model.safetensors"), e.getMessage());
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": ");
        e = assertThrows(CorruptDataException.class, () -> SafetensorsReader.open(dir));
        assertTrue(e.getMessage().contains("model.safetensors.index.json"), e.getMessage());
    }

    private static void writeIndex(Path dir, Map<String, String> weightMap) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("metadata").put("total_size", 0);
        ObjectNode map = root.putObject("weight_map");
        weightMap.forEach(map::put);
        Files.write(dir.resolve("model.safetensors.index.json"), JSON.writeValueAsBytes(root));
    }

    // ------------------------------------------------------------------ corrupted inputs

    private Path goldenCopy() throws IOException {
        Path f = tmp.resolve("model.safetensors");
        Files.copy(TestData.path("golden/llama3/model.safetensors"), f, StandardCopyOption.REPLACE_EXISTING);
        return f;
    }

    /** Rewrites the copy with an edited header and the original data section. */
    private Path withHeader(Consumer<ObjectNode> edit) throws IOException {
        Path f = goldenCopy();
        Raw raw = Raw.read(f);
        edit.accept(raw.header());
        Raw.write(f, raw.header(), raw.data());
        return f;
    }

    private static <T extends MemoRagException> String fails(Class<T> type, Path f, String... words) {
        T e = assertThrows(type, () -> SafetensorsReader.open(f).close());
        String msg = e.getMessage();
        assertTrue(msg.contains(f.toString()), "message names the file: " + msg);
        for (String w : words) {
            assertTrue(msg.contains(w), "message mentions '" + w + "': " + msg);
        }
        return msg;
    }

    @Test
    void missingFile() {
        fails(InvalidInputException.class, tmp.resolve("nope.safetensors"), "does not exist");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> SafetensorsReader.open(tmp));
        assertTrue(e.getMessage().contains(tmp.toString()));
    }

    @Test
    void fileShorterThanEightBytes() throws IOException {
        Path f = tmp.resolve("short.safetensors");
        Files.write(f, new byte[] {1, 2, 3, 4, 5});
        fails(CorruptDataException.class, f, "too short", "5 bytes");
    }

    @Test
    void headerLengthLargerThanTheFile() throws IOException {
        Path f = goldenCopy();
        byte[] b = Files.readAllBytes(f);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, b.length);
        Files.write(f, b);
        fails(CorruptDataException.class, f, "header length " + b.length);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -5);
        Files.write(f, b);
        fails(CorruptDataException.class, f, "header length -5");
    }

    @Test
    void nonJsonHeader() throws IOException {
        Path f = goldenCopy();
        byte[] b = Files.readAllBytes(f);
        byte[] junk = "this is not json at all".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(junk, 0, b, 8, junk.length);
        Files.write(f, b);
        fails(CorruptDataException.class, f, "JSON");
        Raw.write(f, JSON.createArrayNode(), new byte[0]);
        fails(CorruptDataException.class, f, "not a JSON object");
    }

    @Test
    void offsetsPastTheEndOfATruncatedFile() throws IOException {
        Path f = goldenCopy();
        byte[] b = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(b, b.length - 100));
        fails(CorruptDataException.class, f, "truncated", "model.norm.weight");
    }

    @Test
    void sizeShapeMismatch() throws IOException {
        Path f = withHeader(h -> ((ArrayNode) h.get("model.norm.weight").get("shape")).set(0, JSON.getNodeFactory().numberNode(65)));
        fails(CorruptDataException.class, f, "model.norm.weight", "[65]", "F32");
        f = withHeader(h -> ((ArrayNode) h.get("model.norm.weight").get("shape")).set(0, JSON.getNodeFactory().numberNode(2.5)));
        fails(CorruptDataException.class, f, "model.norm.weight", "dimension");
        f = withHeader(h -> ((ArrayNode) h.get("model.norm.weight").get("data_offsets")).set(0, JSON.getNodeFactory().textNode("0")));
        fails(CorruptDataException.class, f, "model.norm.weight", "data_offsets");
        f = withHeader(h -> ((ObjectNode) h.get("model.norm.weight")).remove("dtype"));
        fails(CorruptDataException.class, f, "model.norm.weight", "dtype");
    }

    @Test
    void overlappingRanges() throws IOException {
        Path f = withHeader(h -> {
            // the two layer norms have the same size: point the second at the first's bytes
            JsonNode a = h.get("model.layers.0.input_layernorm.weight").get("data_offsets");
            ((ObjectNode) h.get("model.layers.1.input_layernorm.weight")).set("data_offsets", a.deepCopy());
        });
        fails(CorruptDataException.class, f, "overlap");
    }

    @Test
    void unknownDtype() throws IOException {
        Path f = withHeader(h -> ((ObjectNode) h.get("model.norm.weight")).put("dtype", "F8_E4M3"));
        fails(UnsupportedFormatException.class, f, "F8_E4M3", "model.norm.weight");
    }

    @Test
    void nonFloatTensorsAndMissingNamesAreRejectedOnRead() throws IOException {
        Path f = tmp.resolve("ints.safetensors");
        ObjectNode h = JSON.createObjectNode();
        h.putObject("ids").put("dtype", "I32").set("shape", JSON.createArrayNode().add(2));
        ((ObjectNode) h.get("ids")).set("data_offsets", JSON.createArrayNode().add(0).add(8));
        Raw.write(f, h, new byte[] {1, 0, 0, 0, 2, 0, 0, 0});
        try (SafetensorsReader r = SafetensorsReader.open(f)) {
            assertEquals(2, r.raw("ids").getInt(4));
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> r.readFloats("ids"));
            assertTrue(e.getMessage().contains("ids") && e.getMessage().contains("I32"), e.getMessage());
            e = assertThrows(InvalidInputException.class, () -> r.info("missing.weight"));
            assertTrue(e.getMessage().contains("missing.weight"), e.getMessage());
            r.close();
            r.close(); // idempotent
            assertThrows(StateException.class, () -> r.raw("ids"));
        }
    }

    @Test
    void writerValidatesItsInput() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> new SafetensorsWriter().put("w", new long[] {2, 3}, new float[5]));
        assertTrue(e.getMessage().contains("w") && e.getMessage().contains("6") && e.getMessage().contains("5"));
        e = assertThrows(InvalidInputException.class,
                () -> new SafetensorsWriter().put("w", new long[] {-2, -3}, new float[6]));
        assertTrue(e.getMessage().contains("negative"), e.getMessage());
        e = assertThrows(InvalidInputException.class,
                () -> new SafetensorsWriter().put("__metadata__", new long[] {1}, new float[1]));
        assertTrue(e.getMessage().contains("__metadata__"), e.getMessage());
        e = assertThrows(InvalidInputException.class,
                () -> new SafetensorsWriter().put("w", new long[] {1}, new float[1]).write(tmp.resolve("x"), DType.I8));
        assertTrue(e.getMessage().contains("I8"), e.getMessage());
    }

    @Test
    void namesIteratesSorted() throws IOException {
        try (SafetensorsReader r = SafetensorsReader.open(TestData.path("golden/bert"))) {
            Iterator<String> it = r.names().iterator();
            String prev = it.next();
            while (it.hasNext()) {
                String next = it.next();
                assertTrue(prev.compareTo(next) < 0);
                prev = next;
            }
        }
    }
}
