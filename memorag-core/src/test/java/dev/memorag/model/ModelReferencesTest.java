package dev.memorag.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.ModelNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model references: files, missing paths, hub ids with revisions in a temporary cache, non-model references. */
class ModelReferencesTest {
    private static final String COMMIT = "89abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path tmp;

    @Test
    void anExistingFileOrDirectoryIsItself() throws IOException {
        Path gguf = Files.writeString(tmp.resolve("tiny.gguf"), "GGUF", StandardCharsets.UTF_8);
        assertEquals(Optional.of(gguf.toAbsolutePath()), ModelReferences.resolve(gguf.toString(), false));
        assertEquals(Optional.of(tmp.toAbsolutePath()), ModelReferences.resolve(tmp.toString(), false));
    }

    @Test
    void aMissingPathSaysItDoesNotExist() {
        Path missing = tmp.resolve("nothing-here.gguf");
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class,
                () -> ModelReferences.resolve(missing.toString(), false));
        assertEquals("no such file or directory: " + missing.toAbsolutePath(), e.getMessage());
        e = assertThrows(ModelNotFoundException.class,
                () -> ModelReferences.resolve(tmp.resolve("a/b/c").toString(), false));
        assertEquals("no such file or directory: " + tmp.resolve("a/b/c").toAbsolutePath(), e.getMessage());
    }

    @Test
    void otherReferencesAreNotModelLocations() {
        assertEquals(Optional.empty(), ModelReferences.resolve("openai:gpt-4o-mini", false));
        assertEquals(Optional.empty(), ModelReferences.resolve("bge-small-en-v1.5-q", false));
    }

    @Test
    void aHubIdResolvesThroughTheCacheAtItsRevision() throws IOException {
        Path repo = tmp.resolve("hub/models--org--model");
        Path snapshot = Files.createDirectories(repo.resolve("snapshots").resolve(COMMIT));
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/v2"), COMMIT, StandardCharsets.UTF_8);
        String previous = System.getProperty("HF_HOME");
        System.setProperty("HF_HOME", tmp.toString());
        try {
            assertEquals(Optional.of(snapshot), ModelReferences.resolve("org/model@v2", false));
            ModelNotFoundException e = assertThrows(ModelNotFoundException.class,
                    () -> ModelReferences.resolve("org/model", false));
            assertTrue(e.getMessage().contains("model org/model revision main is not in the cache"), e.getMessage());
        } finally {
            if (previous == null) {
                System.clearProperty("HF_HOME");
            } else {
                System.setProperty("HF_HOME", previous);
            }
        }
    }
}
