package dev.memorag.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.MemoRagException;
import dev.memorag.error.StateException;
import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.api.ProgressListener;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class SaveDirectoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static byte[] randomBytes(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static Map<String, ComponentDescriptor> components() {
        Map<String, ComponentDescriptor> c = new LinkedHashMap<>();
        c.put("memory", ComponentDescriptor.builder().put(ComponentDescriptor.MODEL_ID, "TommyChien/memorag-qwen2-7b-inst")
                .put(ComponentDescriptor.MODEL_REVISION, "0123abcd").put(ComponentDescriptor.DIMENSION, 64)
                .put("beacon_ratio", 4.0).build());
        c.put("index", ComponentDescriptor.builder().put(ComponentDescriptor.EMBEDDER_ID, "BAAI/bge-m3")
                .put(ComponentDescriptor.DIMENSION, 1024).put(ComponentDescriptor.KIND, "flat")
                .put("normalized", true).build());
        return c;
    }

    /** Writes a save with three components' files, seeded by {@code seed}. */
    private static Manifest writeSample(Path target, long seed) {
        return SaveDirectory.write(target, components(), dir -> {
            Files.createDirectories(dir.resolve("memory"));
            Files.createDirectories(dir.resolve("index"));
            Files.createDirectories(dir.resolve("chunks/nested"));
            Files.write(dir.resolve("memory/kv.bin"), randomBytes(seed, 300_000));
            Files.write(dir.resolve("index/vectors.bin"), randomBytes(seed + 1, 4096));
            Files.writeString(dir.resolve("chunks/chunks.json"), "[{\"id\":\"d#0\",\"seed\":" + seed + "}]");
            Files.write(dir.resolve("chunks/nested/empty.bin"), new byte[0]);
        });
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    /** Recursive listing of everything under {@code root}: type, size, modification time and content hash. */
    private static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.forEach(p -> {
                try {
                    String key = root.relativize(p).toString();
                    if (Files.isSymbolicLink(p)) {
                        out.put(key, "link " + Files.readSymbolicLink(p));
                    } else if (Files.isDirectory(p)) {
                        out.put(key, "dir " + Files.getLastModifiedTime(p));
                    } else {
                        out.put(key, "file " + Files.size(p) + " " + Files.getLastModifiedTime(p) + " "
                                + sha256(Files.readAllBytes(p)));
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
        }
        return out;
    }

    /** Asserts that opening fails with {@code type}, that nothing under tmp changed, and returns the message. */
    private <T extends Throwable> String assertLoadFails(Path save, Class<T> type, Executable open) throws IOException {
        Map<String, String> before = snapshot(tmp);
        T e = assertThrows(type, open);
        assertEquals(before, snapshot(tmp), "a failed load must not modify anything on disk");
        return e.getMessage();
    }

    private static void editManifest(Path save, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        Path mf = save.resolve(SaveFormat.MANIFEST);
        ObjectNode root = (ObjectNode) JSON.readTree(mf.toFile());
        edit.accept(root);
        Files.write(mf, JSON.writeValueAsBytes(root));
    }

    @Test
    void roundTrip() throws Exception {
        Path save = tmp.resolve("save");
        Manifest written = writeSample(save, 1);
        SaveDirectory sd = SaveDirectory.open(save);
        assertEquals(written, sd.manifest());
        Manifest m = sd.manifest();
        assertEquals(SaveFormat.FORMAT_VERSION, m.formatVersion());
        assertEquals(List.of("chunks/chunks.json", "chunks/nested/empty.bin", "index/vectors.bin", "memory/kv.bin"),
                m.files().stream().map(FileEntry::path).toList());
        assertEquals(300_000, m.file("memory/kv.bin").orElseThrow().size());
        assertEquals(sha256(randomBytes(1, 300_000)), m.file("memory/kv.bin").orElseThrow().sha256());
        assertEquals(sha256(new byte[0]), m.file("chunks/nested/empty.bin").orElseThrow().sha256());
        assertArrayEquals(randomBytes(2, 4096), Files.readAllBytes(sd.resolve("index/vectors.bin")));
        assertEquals(save.toAbsolutePath(), sd.path());
        // typed component accessors
        assertEquals("TommyChien/memorag-qwen2-7b-inst", m.component("memory").string(ComponentDescriptor.MODEL_ID));
        assertEquals(64, m.component("memory").integer(ComponentDescriptor.DIMENSION));
        assertEquals(4.0, m.component("memory").number("beacon_ratio"));
        assertEquals(1024L, m.component("index").longValue(ComponentDescriptor.DIMENSION));
        assertTrue(m.component("index").bool("normalized"));
        assertEquals("flat", m.component("index").optionalString(ComponentDescriptor.KIND).orElseThrow());
        assertTrue(m.findComponent("graph").isEmpty());
        StateException missing = assertThrows(StateException.class, () -> m.component("graph"));
        assertTrue(missing.getMessage().contains("graph") && missing.getMessage().contains("memory"));
        // the manifest on disk is the documented JSON
        ObjectNode json = (ObjectNode) JSON.readTree(save.resolve("manifest.json").toFile());
        assertEquals(SaveFormat.FORMAT_VERSION, json.get("format_version").intValue());
        assertEquals("flat", json.get("components").get("index").get("kind").textValue());
        assertEquals(4, json.get("files").size());
        assertEquals("memory/kv.bin", json.get("files").get(3).get("path").textValue());
        // nothing left beside the save: no temporary directory, no lock file
        assertEquals(List.of("save"), listing(tmp));
    }

    @Test
    void progressIsReportedInBytes() {
        Path save = tmp.resolve("save");
        List<String> events = new java.util.ArrayList<>();
        ProgressListener record = (stage, done, total) -> events.add(stage + " " + done + "/" + total);
        Manifest m = SaveDirectory.write(save, components(), dir -> {
            Files.write(dir.resolve("a.bin"), randomBytes(1, 3_000_000));
            Files.write(dir.resolve("b.bin"), randomBytes(2, 10));
        }, record);
        long total = m.totalSize();
        assertEquals(3_000_010, total);
        assertEquals("hash save " + total + "/" + total, events.get(events.size() - 1));
        assertTrue(events.size() >= 3, events.toString());
        events.clear();
        SaveDirectory.open(save, Verification.FULL, record);
        assertEquals("verify save " + total + "/" + total, events.get(events.size() - 1));
        events.clear();
        SaveDirectory.open(save, Verification.LAZY, record);
        assertEquals(List.of(), events, "lazy opening hashes nothing");
    }

    @Test
    void replacingKeepsOnlyTheNewSave() throws Exception {
        Path save = tmp.resolve("save");
        writeSample(save, 1);
        Manifest second = writeSample(save, 7);
        SaveDirectory sd = SaveDirectory.open(save);
        assertEquals(second, sd.manifest());
        assertArrayEquals(randomBytes(7, 300_000), Files.readAllBytes(sd.resolve("memory/kv.bin")));
        assertEquals(List.of("save"), listing(tmp));
    }

    @Test
    void failingWriterKeepsThePreviousSave() throws Exception {
        Path save = tmp.resolve("save");
        writeSample(save, 1);
        // the parent's own mtime changes (the temporary sibling came and went); the save and the listing do not
        Map<String, String> before = snapshot(save);
        List<String> names = listing(tmp);
        MemoRagException io = assertThrows(MemoRagException.class, () -> SaveDirectory.write(save, components(), d -> {
            Files.write(d.resolve("partial.bin"), randomBytes(3, 1000));
            throw new IOException("disk full");
        }));
        assertTrue(io.getMessage().contains(save.toAbsolutePath().toString()) && io.getMessage().contains("disk full"),
                io.getMessage());
        assertEquals(before, snapshot(save));
        assertEquals(names, listing(tmp));
        MemoRagException runtime = assertThrows(MemoRagException.class,
                () -> SaveDirectory.write(save, components(), d -> {
                    throw new IllegalStateException("boom");
                }));
        assertTrue(runtime.getMessage().contains("boom"));
        CorruptDataException own = new CorruptDataException("component failed");
        assertSame(own, assertThrows(CorruptDataException.class, () -> SaveDirectory.write(save, components(), d -> {
            throw own;
        })));
        assertEquals(before, snapshot(save));
        assertEquals(names, listing(tmp));
        assertEquals(List.of("save"), names, "a failed write leaves no lock file either");
        assertEquals(sha256(randomBytes(1, 300_000)),
                SaveDirectory.open(save).manifest().file("memory/kv.bin").orElseThrow().sha256());
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void secondWriterIsBlockedByTheLock() throws Exception {
        Path save = tmp.resolve("save");
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Manifest> first = pool.submit(() -> SaveDirectory.write(save, components(), d -> {
                inside.countDown();
                try {
                    if (!release.await(30, TimeUnit.SECONDS)) {
                        throw new IOException("test timed out");
                    }
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                Files.writeString(d.resolve("a.txt"), "first");
            }));
            assertTrue(inside.await(30, TimeUnit.SECONDS));
            StateException e = assertThrows(StateException.class,
                    () -> SaveDirectory.write(save, components(), d -> Files.writeString(d.resolve("a.txt"), "x")));
            assertTrue(e.getMessage().contains(tmp.resolve("save.lock").toAbsolutePath().toString()), e.getMessage());
            release.countDown();
            first.get(30, TimeUnit.SECONDS);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
        assertEquals("first", Files.readString(SaveDirectory.open(save).resolve("a.txt")));
        assertEquals(List.of("save"), listing(tmp), "the blocked writer did not delete the holder's lock file");
        // the lock is released afterwards
        SaveDirectory.write(save, components(), d -> Files.writeString(d.resolve("a.txt"), "second"));
        assertEquals("second", Files.readString(SaveDirectory.open(save).resolve("a.txt")));
    }

    @Test
    void wrongChecksumNamesFileAndBothHashes() throws Exception {
        Path save = tmp.resolve("save");
        Manifest m = writeSample(save, 1);
        Path kv = save.resolve("memory/kv.bin");
        byte[] data = Files.readAllBytes(kv);
        data[123_456] ^= 1;
        Files.write(kv, data);
        String msg = assertLoadFails(save, CorruptDataException.class, () -> SaveDirectory.open(save));
        assertTrue(msg.contains(kv.toAbsolutePath().toString()), msg);
        assertTrue(msg.contains("sha256") && msg.contains(sha256(data))
                && msg.contains(m.file("memory/kv.bin").orElseThrow().sha256()), msg);
    }

    @Test
    void lazyVerificationChecksOnFirstResolve() throws Exception {
        Path save = tmp.resolve("save");
        writeSample(save, 1);
        Path vec = save.resolve("index/vectors.bin");
        byte[] data = Files.readAllBytes(vec);
        data[0] ^= 1;
        Files.write(vec, data);
        assertThrows(CorruptDataException.class, () -> SaveDirectory.open(save));
        SaveDirectory lazy = SaveDirectory.open(save, Verification.LAZY);
        assertEquals(Verification.LAZY, lazy.verification());
        assertTrue(Files.isRegularFile(lazy.resolve("memory/kv.bin")));
        Map<String, String> before = snapshot(tmp);
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> lazy.resolve("index/vectors.bin"));
        assertTrue(e.getMessage().contains(vec.toAbsolutePath().toString()), e.getMessage());
        assertEquals(before, snapshot(tmp));
        // sizes are still checked when opening lazily
        Files.write(vec, new byte[10]);
        assertThrows(CorruptDataException.class, () -> SaveDirectory.open(save, Verification.LAZY));
    }

    @Test
    void missingFileIsNamed() throws Exception {
        Path save = tmp.resolve("save");
        writeSample(save, 1);
        Files.delete(save.resolve("index/vectors.bin"));
        String msg = assertLoadFails(save, CorruptDataException.class, () -> SaveDirectory.open(save));
        assertTrue(msg.contains(save.resolve("index/vectors.bin").toAbsolutePath().toString())
                && msg.contains("missing"), msg);
    }

    @Test
    void truncatedFileIsNamedWithBothSizes() throws Exception {
        Path save = tmp.resolve("save");
        writeSample(save, 1);
        Path kv = save.resolve("memory/kv.bin");
        try (FileChannel ch = FileChannel.open(kv, StandardOpenOption.WRITE)) {
            ch.truncate(1000);
        }
        String msg = assertLoadFails(save, CorruptDataException.class, () -> SaveDirectory.open(save));
        assertTrue(msg.contains(kv.toAbsolutePath().toString()) && msg.contains("1000") && msg.contains("300000"),
                msg);
    }

    @Test
    void unknownFormatVersionNamesFileFieldAndValue() throws Exception {
        Path save = tmp.resolve("save");
        writeSample(save, 1);
        editManifest(save, root -> root.put("format_version", 7));
        String msg = assertLoadFails(save, UnsupportedFormatException.class, () -> SaveDirectory.open(save));
        assertTrue(msg.contains(save.resolve("manifest.json").toAbsolutePath().toString())
                && msg.contains("format_version") && msg.contains("7"), msg);
        editManifest(save, root -> root.put("format_version", "one"));
        msg = assertLoadFails(save, CorruptDataException.class, () -> SaveDirectory.open(save));
        assertTrue(msg.contains("format_version") && msg.contains("one"), msg);
    }

    @Test
    void pathTraversalInManifestIsRejected() throws Exception {
        Path save = tmp.resolve("save");
        writeSample(save, 1);
        byte[] outside = "secret".getBytes(StandardCharsets.UTF_8);
        Files.write(tmp.resolve("outside.bin"), outside);
        String hash = sha256(outside);
        for (String bad : List.of("../outside.bin", "memory/../../outside.bin", "/etc/passwd", "memory//kv.bin",
                "./memory/kv.bin", "memory\\kv.bin")) {
            editManifest(save, root -> {
                ArrayNode files = (ArrayNode) root.get("files");
                if (files.size() > 4) {
                    files.remove(4);
                }
                files.addObject().put("path", bad).put("size", outside.length).put("sha256", hash);
            });
            String msg = assertLoadFails(save, CorruptDataException.class, () -> SaveDirectory.open(save));
            assertTrue(msg.contains("files[4]") && msg.contains(bad), msg);
        }
        SaveDirectory.write(save, components(), d -> Files.writeString(d.resolve("a.txt"), "ok"));
        SaveDirectory sd = SaveDirectory.open(save);
        for (String bad : List.of("../outside.bin", "/etc/passwd", "", "a/../../x", "manifest.json")) {
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> sd.resolve(bad));
            assertTrue(e.getMessage().contains("relativePath"), e.getMessage());
        }
    }

    @Test
    void linksAreRejected() throws Exception {
        Path save = tmp.resolve("save");
        writeSample(save, 1);
        Path target = tmp.resolve("elsewhere.bin");
        Files.write(target, Files.readAllBytes(save.resolve("index/vectors.bin")));
        Files.delete(save.resolve("index/vectors.bin"));
        Files.createSymbolicLink(save.resolve("index/vectors.bin"), target);
        String msg = assertLoadFails(save, CorruptDataException.class, () -> SaveDirectory.open(save));
        assertTrue(msg.contains("index/vectors.bin") && msg.contains("link"), msg);
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> SaveDirectory.write(tmp.resolve("other"), Map.of(),
                        d -> Files.createSymbolicLink(d.resolve("l"), target)));
        assertTrue(e.getMessage().contains("link"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("other")));
        assertFalse(Files.exists(tmp.resolve(".other.tmp")));
    }

    @Test
    void damagedOrMissingManifest() throws Exception {
        Path save = tmp.resolve("save");
        writeSample(save, 1);
        Path mf = save.resolve("manifest.json");
        Files.writeString(mf, "{\"format_version\": 2, \"files\": [");
        String msg = assertLoadFails(save, CorruptDataException.class, () -> SaveDirectory.open(save));
        assertTrue(msg.contains(mf.toAbsolutePath().toString()) && msg.contains("JSON"), msg);
        Files.writeString(mf, "{\n  \"format_version\": 2,\n  \"files\": [ }\n}\n");
        msg = assertLoadFails(save, CorruptDataException.class, () -> SaveDirectory.open(save));
        assertEquals(mf.toAbsolutePath() + ": not valid JSON at line 3, column 14: Unexpected close marker '}': "
                + "expected ']' (for Array starting at line 3, column 12) (the file was edited or damaged; "
                + "re-memorise to write it again)", msg);
        assertFalse(msg.contains("REDACTED") || msg.contains("StreamReadFeature"), msg);
        Files.writeString(mf, "{\"format_version\": 2, \"library_version\": \"x\", \"created_at\": \"now\","
                + " \"components\": {}, \"files\": []}");
        msg = assertLoadFails(save, CorruptDataException.class, () -> SaveDirectory.open(save));
        assertTrue(msg.contains("created_at") && msg.contains("now"), msg);
        Files.delete(mf);
        msg = assertLoadFails(save, CorruptDataException.class, () -> SaveDirectory.open(save));
        assertTrue(msg.contains(mf.toAbsolutePath().toString()) && msg.contains("missing"), msg);
        Path none = tmp.resolve("none");
        msg = assertLoadFails(none, InvalidInputException.class, () -> SaveDirectory.open(none));
        assertTrue(msg.contains(none.toAbsolutePath().toString()), msg);
    }

    @Test
    void componentFieldsAreCheckedWhenRead() throws Exception {
        Path save = tmp.resolve("save");
        writeSample(save, 1);
        editManifest(save, root -> ((ObjectNode) root.get("components").get("memory")).put("dimension", "wide"));
        ComponentDescriptor memory = SaveDirectory.open(save).manifest().component("memory");
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> memory.integer("dimension"));
        assertTrue(e.getMessage().contains("memory") && e.getMessage().contains("dimension")
                && e.getMessage().contains("wide") && e.getMessage().contains("manifest.json"), e.getMessage());
        e = assertThrows(CorruptDataException.class, () -> memory.string("tokenizer"));
        assertTrue(e.getMessage().contains("tokenizer") && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void refusesToReplaceSomethingThatIsNotASave() throws Exception {
        Path home = tmp.resolve("home");
        Files.createDirectories(home);
        Files.writeString(home.resolve("precious.txt"), "keep me");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> writeSample(home, 1));
        assertTrue(e.getMessage().contains(home.toAbsolutePath().toString()), e.getMessage());
        assertEquals("keep me", Files.readString(home.resolve("precious.txt")));
        // the same check, callable before any work is done
        InvalidInputException early = assertThrows(InvalidInputException.class, () -> SaveDirectory.checkWritable(home));
        assertEquals(e.getMessage(), early.getMessage());
        Path file = tmp.resolve("file");
        Files.writeString(file, "x");
        assertThrows(InvalidInputException.class, () -> writeSample(file, 1));
        assertThrows(InvalidInputException.class, () -> SaveDirectory.checkWritable(file));
        SaveDirectory.checkWritable(tmp.resolve("absent"));
        // an empty directory is fine
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        writeSample(empty, 1);
        SaveDirectory.open(empty);
        // the payload must not write the manifest itself
        e = assertThrows(InvalidInputException.class, () -> SaveDirectory.write(tmp.resolve("m"), Map.of(),
                d -> Files.writeString(d.resolve("manifest.json"), "{}")));
        assertTrue(e.getMessage().contains("manifest.json"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> SaveDirectory.write(tmp.resolve("m"),
                Map.of("../up", ComponentDescriptor.builder().build()), d -> { }));
        assertTrue(e.getMessage().contains("../up"), e.getMessage());
    }

    @Test
    void recoversFromAnInterruptedReplace() throws Exception {
        Path save = tmp.resolve("save");
        writeSample(save, 1);
        // a crash between "move old aside" and "move new into place" leaves only .save.old (and maybe .save.tmp)
        Files.move(save, tmp.resolve(".save.old"));
        Files.createDirectories(tmp.resolve(".save.tmp/junk"));
        String msg = assertLoadFails(save, CorruptDataException.class, () -> SaveDirectory.open(save));
        assertTrue(msg.contains(".save.old"), msg);
        // a failing write restores the old save first and keeps it
        assertThrows(MemoRagException.class, () -> SaveDirectory.write(save, components(), d -> {
            throw new IOException("fail");
        }));
        assertEquals(sha256(randomBytes(1, 300_000)),
                SaveDirectory.open(save).manifest().file("memory/kv.bin").orElseThrow().sha256());
        assertFalse(Files.exists(tmp.resolve(".save.old"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(tmp.resolve(".save.tmp"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void manifestValidatesItsValues() {
        FileEntry a = new FileEntry("a.bin", 1, "0".repeat(64));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> new Manifest(1, "v",
                java.time.Instant.EPOCH, Map.of(), List.of(a, a)));
        assertTrue(e.getMessage().contains("a.bin") && e.getMessage().contains("twice"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> new FileEntry("a.bin", -1, "0".repeat(64)));
        assertTrue(e.getMessage().contains("size") && e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> new FileEntry("a.bin", 1, "XYZ"));
        assertTrue(e.getMessage().contains("sha256") && e.getMessage().contains("XYZ"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> new FileEntry("../a.bin", 1, "0".repeat(64)));
        assertTrue(e.getMessage().contains("path") && e.getMessage().contains("../a.bin"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> new Manifest(0, "v", java.time.Instant.EPOCH, Map.of(),
                List.of()));
        assertTrue(e.getMessage().contains("formatVersion"), e.getMessage());
    }

    @Test
    void hashingIsStreamingAndFast() throws Exception {
        Path save = tmp.resolve("big");
        byte[] block = randomBytes(5, 1 << 20);
        SaveDirectory.write(save, Map.of(), d -> {
            try (var out = Files.newOutputStream(d.resolve("big.bin"))) {
                for (int i = 0; i < 64; i++) {
                    out.write(block);
                }
            }
        });
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        long t0 = System.nanoTime();
        long c0 = cpu.getCurrentThreadCpuTime();
        SaveDirectory.open(save);
        // CPU time of this thread: the machine running the tests may be shared with other jobs
        double s = (cpu.getCurrentThreadCpuTime() - c0) / 1e9;
        System.out.printf("SaveDirectory: verified 64 MiB in %.3f s CPU, %.3f s wall (%.0f MB/s CPU)%n", s,
                (System.nanoTime() - t0) / 1e9, 64 * 1.048576 / s);
        assertTrue(s < 10, "verifying 64 MiB took " + s + " s of CPU");
    }
}
