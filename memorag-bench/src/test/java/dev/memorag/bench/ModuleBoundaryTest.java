package dev.memorag.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.memorag.cli.MemoragCli;
import dev.memorag.generation.OpenAiChatGenerator;
import dev.memorag.memory.LocalGenerator;
import dev.memorag.retrieval.chunks.HybridChunkIndex;
import dev.memorag.testing.PackageGraph;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Core exports everything but {@value PackageGraph#INTERNAL}, the facade's implementation: no other module's compiled
 * classes may use it (memorag-bench depends on every module, so it checks them all). Core's own structure is checked
 * by its ArchitectureTest.
 */
class ModuleBoundaryTest {

    @ParameterizedTest
    @ValueSource(classes = {LocalGenerator.class, HybridChunkIndex.class, OpenAiChatGenerator.class,
            MemoragCli.class, ModuleBoundaryTest.class, BenchCliExtension.class})
    void noModuleUsesCoreInternals(Class<?> inModule) {
        List<String> uses = PackageGraph.ofClassesOf(inModule).usesOf(PackageGraph.INTERNAL);
        assertEquals(List.of(), uses, "classes next to " + inModule.getName() + " use " + PackageGraph.INTERNAL);
    }
}
