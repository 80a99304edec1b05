package dev.memorag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model reference that names nothing says what is missing: a file or directory that does not exist, or a hub id
 * that is not in the Hugging Face cache (here an empty temporary {@code HF_HOME}, set as the system property that
 * {@code ModelResolver} reads first), with the command that fixes it. Only an unknown {@code scheme:} asks about the
 * class path. Each fails before any text is read into a model.
 */
class ModelReferenceErrorsTest {
    @TempDir
    Path tmp;

    private TemporaryHfHome hfHome;
    private Path book;

    @BeforeEach
    void emptyCache() throws IOException {
        hfHome = new TemporaryHfHome(Files.createDirectories(tmp.resolve("hf")));
        book = Files.writeString(tmp.resolve("book.txt"), "Alice followed the White Rabbit down the hole.",
                StandardCharsets.UTF_8);
    }

    @AfterEach
    void restore() {
        hfHome.close();
    }

    private CliRun memorize(String option, String reference) {
        CliRun r = CliRun.of("memorize", book.toString(), "--save", tmp.resolve("s").toString(), "--quiet", option,
                reference);
        assertEquals(1, r.code(), r.err());
        return r;
    }

    @Test
    void aMissingPathIsNoSuchFileOrDirectory() {
        Path missing = tmp.resolve("models/nothing-here");
        for (String option : new String[] {"--embedder", "--generator", "--memory-model"}) {
            assertEquals("error: no such file or directory: " + missing, memorize(option, missing.toString())
                    .err().strip(), option);
        }
        Path gguf = tmp.resolve("absent.gguf");
        assertEquals("error: no such file or directory: " + gguf, memorize("--generator", gguf.toString()).err()
                .strip());
    }

    @Test
    void aPlainNameThatIsNoFileIsNoSuchFileOrDirectory() {
        String name = "my-local-model";
        Path where = Path.of(name).toAbsolutePath().normalize();
        assertEquals("error: no such file or directory: " + where + " (memory model reference '" + name + "'; a "
                + "Hugging Face id is written ORG/NAME, a provider reference scheme:NAME)",
                memorize("--memory-model", name).err().strip());
        assertEquals("error: no such file or directory: " + where + " (embedder reference '" + name + "'; a "
                + "Hugging Face id is written ORG/NAME, a provider reference scheme:NAME)",
                memorize("--embedder", name).err().strip());
    }

    @Test
    void anUncachedHubIdSaysWhereItLookedAndHowToGetIt() {
        Path repoDir = tmp.resolve("hf/hub/models--nobody--not-downloaded");
        for (String option : new String[] {"--embedder", "--generator", "--memory-model"}) {
            assertEquals("error: model nobody/not-downloaded revision main is not in the cache " + repoDir
                    + " and downloading is not allowed (run `memorag models download nobody/not-downloaded`, or "
                    + "allow downloading with --download)", memorize(option, "nobody/not-downloaded").err().strip(),
                    option);
        }
    }

    @Test
    void onlyAnUnknownSchemeAsksAboutTheClassPath() {
        assertEquals("error: no generator provider supports reference 'nosuch:thing' (is the module that implements "
                + "it on the class path?)", memorize("--generator", "nosuch:thing").err().strip());
    }
}
