package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.MemoRAG;
import dev.memorag.MemoRAGBuilder;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.generation.OpenAiChatGenerator;
import dev.memorag.generation.server.ChatServer;
import dev.memorag.memory.beacon.BeaconCheckpoint;
import dev.memorag.memory.lm.ModelFamily;
import dev.memorag.memory.lm.RandomCheckpoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our OpenAI-compatible client against our own server, which answers through the MemoRAG pipeline over a saved memory:
 * a tiny random beacon memory model, a tiny random local generator, the bundled embedder and the default index. The
 * weights are random, so the text is meaningless; what is tested is that every request, streamed or not, is answered
 * end to end under concurrency, with evidence.
 */
class ServeEndToEndTest {
    @TempDir
    Path tmp;

    @Test
    void sixteenConcurrentClientsStreamingAndNotAreAllAnswered() throws Exception {
        Path plain = tmp.resolve("plain");
        RandomCheckpoint.write(plain, ModelFamily.QWEN2, RandomCheckpoint.Shape.TINY, 11);
        Path beacon = tmp.resolve("beacon");
        RandomCheckpoint.write(beacon, ModelFamily.QWEN2, RandomCheckpoint.Shape.TINY, 11);
        BeaconCheckpoint.addBeacon(beacon, 4, 128, 13);
        String book = DemoCommand.readBook();
        int start = book.indexOf("CHAPTER I. Down the Rabbit-Hole");
        String text = book.substring(start, start + 1_500);
        MemoRAGBuilder builder = MemoRAG.builder().memoryModel(beacon.toString()).generator(plain.toString())
                .chunkTokens(64).generatorTokenCounter(s -> s.getBytes(StandardCharsets.UTF_8).length);
        Path save = tmp.resolve("alice.memory");
        try (MemoRAG writer = builder.build()) {
            writer.memorize(text, save);
        }
        try (MemoRAG rag = builder.load(save);
                ChatServer server = ChatServer.builder(new PipelineChatBackend(rag, "memorag:alice"))
                        .host("127.0.0.1").port(0).threads(8).start()) {
            ExecutorService clients = Executors.newFixedThreadPool(16);
            try {
                List<Future<GenerationResult>> calls = new ArrayList<>();
                List<StringBuilder> streamed = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    boolean stream = i % 2 == 0;
                    StringBuilder pieces = new StringBuilder();
                    streamed.add(pieces);
                    OpenAiChatGenerator client = OpenAiChatGenerator.compatible(server.baseUri().toString())
                            .model("memorag:alice").streaming(stream).readTimeout(Duration.ofSeconds(120)).build();
                    String question = "Question " + i + ": what did the White Rabbit take out of its pocket?";
                    calls.add(clients.submit(() -> client.generate(List.of(ChatMessage.user(question)),
                            GenerationOptions.greedy(8), pieces::append)));
                }
                for (int i = 0; i < calls.size(); i++) {
                    GenerationResult r = calls.get(i).get(180, TimeUnit.SECONDS);
                    assertTrue(r.usage().completionTokens() > 0, "request " + i + " generated nothing: " + r);
                    if (i % 2 == 0) {
                        assertEquals(r.text(), streamed.get(i).toString(), "streamed pieces of request " + i);
                    }
                }
                assertFalse(calls.isEmpty());
            } finally {
                clients.shutdownNow();
            }
        }
    }
}
