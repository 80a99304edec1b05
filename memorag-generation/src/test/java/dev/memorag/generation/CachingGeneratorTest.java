package dev.memorag.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.error.GenerationException;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class CachingGeneratorTest {
    private static final List<ChatMessage> MESSAGES = List.of(ChatMessage.system("s"), ChatMessage.user("q"));
    private static final GenerationOptions OPTIONS = GenerationOptions.greedy(8);

    @TempDir
    Path dir;

    @Test
    void hitAvoidsTheCallAndSurvivesANewInstance() {
        FakeGenerator fake = new FakeGenerator();
        CachingGenerator cache = CachingGenerator.of(fake, dir);
        GenerationResult first = cache.generate(MESSAGES, OPTIONS);
        StringBuilder streamed = new StringBuilder();
        GenerationResult second = cache.generate(MESSAGES, OPTIONS, streamed::append);
        assertEquals(first, second);
        assertEquals(first.text(), streamed.toString());
        assertEquals(1, fake.calls());
        assertEquals(1, cache.hits());
        assertEquals(1, cache.misses());

        CachingGenerator reopened = CachingGenerator.of(fake, dir);
        assertEquals(first, reopened.generate(MESSAGES, OPTIONS));
        assertEquals(1, fake.calls());
    }

    @Test
    void everyParameterIsPartOfTheKey() {
        FakeGenerator fake = new FakeGenerator();
        CachingGenerator cache = CachingGenerator.of(fake, dir);
        cache.generate(MESSAGES, OPTIONS);
        List<GenerationOptions> variants = List.of(
                OPTIONS.toBuilder().maxNewTokens(9).build(),
                OPTIONS.toBuilder().temperature(0.5).build(),
                OPTIONS.toBuilder().topP(0.5).build(),
                OPTIONS.toBuilder().topK(3).build(),
                OPTIONS.toBuilder().repetitionPenalty(1.1).build(),
                OPTIONS.toBuilder().stop(List.of("x")).build(),
                OPTIONS.toBuilder().seed(1L).build());
        for (GenerationOptions o : variants) {
            cache.generate(MESSAGES, o);
        }
        cache.generate(List.of(ChatMessage.system("s"), ChatMessage.user("q2")), OPTIONS);
        cache.generate(List.of(ChatMessage.user("s"), ChatMessage.user("q")), OPTIONS);
        assertEquals(10, fake.calls());
        // Cancellation is not part of the request.
        cache.generate(MESSAGES, OPTIONS.toBuilder().cancellation(new dev.memorag.api.CancellationToken()).build());
        assertEquals(10, fake.calls());
    }

    @Test
    void keyIsStableAndDependsOnTheGenerator() {
        String a = CachingGenerator.sha256(CachingGenerator.canonicalRequest("g1", MESSAGES, OPTIONS));
        assertEquals(a, CachingGenerator.sha256(CachingGenerator.canonicalRequest("g1", MESSAGES,
                GenerationOptions.greedy(8))));
        assertNotEquals(a, CachingGenerator.sha256(CachingGenerator.canonicalRequest("g2", MESSAGES, OPTIONS)));
        assertEquals(64, a.length());
    }

    @Test
    void entryIsVersionedAndSelfDescribing() throws Exception {
        CachingGenerator cache = CachingGenerator.of(new FakeGenerator(), dir);
        GenerationResult r = cache.generate(MESSAGES, OPTIONS);
        List<Path> entries = entries();
        assertEquals(1, entries.size());
        JsonNode root = new ObjectMapper().readTree(entries.get(0).toFile());
        assertEquals(CachingGenerator.FORMAT, root.get("format").asText());
        assertEquals(CachingGenerator.VERSION, root.get("version").asInt());
        assertEquals(entries.get(0).getFileName().toString(), root.get("key").asText() + ".json");
        assertEquals("fake:echo", root.at("/request/generator").asText());
        assertEquals(r.text(), root.at("/result/text").asText());
    }

    @Test
    void corruptEntryIsIgnoredAndRewritten() throws Exception {
        FakeGenerator fake = new FakeGenerator();
        CachingGenerator cache = CachingGenerator.of(fake, dir);
        GenerationResult r = cache.generate(MESSAGES, OPTIONS);
        Path entry = entries().get(0);
        String good = Files.readString(entry);

        Files.writeString(entry, good.substring(0, good.length() / 2)); // truncated
        assertEquals(r, cache.generate(MESSAGES, OPTIONS));
        assertEquals(2, fake.calls());
        assertEquals(good, Files.readString(entry));

        Files.writeString(entry, good.replace("\"version\" : 1", "\"version\" : 99")); // from the future
        assertEquals(r, cache.generate(MESSAGES, OPTIONS));
        assertEquals(3, fake.calls());
        assertEquals(good, Files.readString(entry));

        assertEquals(r, cache.generate(MESSAGES, OPTIONS));
        assertEquals(3, fake.calls());
    }

    @Test
    void failuresAreNotCached() {
        FakeGenerator fake = new FakeGenerator(0, 1);
        CachingGenerator cache = CachingGenerator.of(fake, dir);
        assertThrows(GenerationException.class, () -> cache.generate(MESSAGES, OPTIONS));
        assertEquals("echo: q", cache.generate(MESSAGES, OPTIONS).text());
        assertEquals(2, fake.calls());
    }

    @Test
    void concurrentSameKeyCallsComputeOnce() throws Exception {
        FakeGenerator fake = new FakeGenerator(200, 0);
        CachingGenerator cache = CachingGenerator.of(fake, dir);
        List<GenerationResult> results = runConcurrently(16, i -> cache.generate(MESSAGES, OPTIONS));
        results.forEach(r -> assertEquals(results.get(0), r));
        assertEquals(1, fake.calls());
        assertEquals(15, cache.hits());
        assertEquals(1, entries().size());
    }

    @Test
    void concurrentDistinctKeysAndTwoInstancesOnOneDirectory() throws Exception {
        FakeGenerator fake = new FakeGenerator(50, 0);
        CachingGenerator a = CachingGenerator.of(fake, dir);
        CachingGenerator b = CachingGenerator.of(fake, dir);
        List<GenerationResult> results = runConcurrently(16, i ->
                (i % 2 == 0 ? a : b).generate(List.of(ChatMessage.user("q" + (i % 8))), OPTIONS));
        for (int i = 0; i < 16; i++) {
            assertEquals("echo: q" + (i % 8), results.get(i).text());
        }
        // Two instances may each compute a key once (harmless), never more.
        assertTrue(fake.calls() >= 8 && fake.calls() <= 16, "calls " + fake.calls());
        assertEquals(8, entries().size());
        try (Stream<Path> s = Files.walk(dir)) {
            assertEquals(0, s.filter(p -> p.toString().endsWith(".tmp")).count());
        }
        int before = fake.calls();
        for (int i = 0; i < 8; i++) {
            a.generate(List.of(ChatMessage.user("q" + i)), OPTIONS);
        }
        assertEquals(before, fake.calls());
    }

    private interface Call {
        GenerationResult run(int i) throws Exception;
    }

    private static List<GenerationResult> runConcurrently(int n, Call call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<GenerationResult>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                fs.add(pool.submit(() -> {
                    go.await();
                    return call.run(k);
                }));
            }
            go.countDown();
            List<GenerationResult> out = new ArrayList<>();
            for (Future<GenerationResult> f : fs) {
                out.add(f.get(20, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private List<Path> entries() throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".json")).toList();
        }
    }
}
