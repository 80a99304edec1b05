package dev.memorag.retrieval.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.Language;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A JVM that embedded text leaves no ONNX Runtime library directory behind in its temp directory. */
class OrtTempDirectoryTest {

    /** Runs in a child JVM: load the bundled embedder, embed once, exit. */
    public static final class Probe {
        public static void main(String[] args) {
            try (OnnxEmbedder e = Embedders.defaultFor(Language.EN)) {
                e.embed(List.of("probe"), EmbedPurpose.PASSAGE);
            }
        }
    }

    @Test
    void noOnnxRuntimeDirectoryIsLeftAfterExit(@TempDir Path tmp) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
                Probe.class.getName()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe JVM did not exit");
        assertEquals(0, p.exitValue(), output);
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(), s.map(x -> x.getFileName().toString())
                    .filter(n -> n.startsWith("onnxruntime-java")).toList());
        }
    }
}
