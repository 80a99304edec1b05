package dev.memorag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.testing.PackageGraph;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Core's package structure, read from its compiled classes: no package cycle, the contracts ({@code api}) depend on
 * nothing but the exceptions, and only the facade uses the facade's implementation package
 * ({@value PackageGraph#INTERNAL}). Other modules check they never use it (memorag-bench's ModuleBoundaryTest).
 */
class ArchitectureTest {
    private static final PackageGraph CORE = PackageGraph.ofClassesOf(MemoRAG.class);

    @Test
    void coreHasNoPackageCycle() {
        assertTrue(CORE.packages().size() > 10, "read " + CORE.packages());
        List<String> cycles = CORE.cycles();
        assertTrue(cycles.isEmpty(), String.join("\n", cycles));
    }

    @Test
    void contractsDependOnlyOnTheExceptions() {
        assertEquals(Set.of("dev.memorag.error"), CORE.packageDependencies().get("dev.memorag.api"));
        assertEquals(Set.of(), CORE.packageDependencies().get("dev.memorag.error"));
    }

    @Test
    void onlyTheFacadeUsesTheInternalPackage() {
        Set<String> users = new TreeSet<>();
        for (String use : CORE.usesOf(PackageGraph.INTERNAL)) {
            String user = use.substring(0, use.indexOf(" -> "));
            if (!user.startsWith(PackageGraph.INTERNAL + ".")) {
                users.add(user);
            }
        }
        assertEquals(Set.of(MemoRAG.class.getName(), MemoRAGBuilder.class.getName()), users);
    }

    @Test
    void theGraphFindsACycleWhereThereIsOne() {
        PackageGraph test = PackageGraph.ofClassesOf(dev.memorag.testing.cyclefixture.a.Left.class);
        List<String> cycles = test.cycles().stream().filter(c -> c.contains("cyclefixture")).toList();
        assertEquals(1, cycles.size(), String.join("\n", test.cycles()));
        assertTrue(cycles.get(0).contains("dev.memorag.testing.cyclefixture.a.Left -> "
                + "dev.memorag.testing.cyclefixture.b.Right"), cycles.get(0));
        assertTrue(cycles.get(0).contains("dev.memorag.testing.cyclefixture.b.Right -> "
                + "dev.memorag.testing.cyclefixture.a.Left"), cycles.get(0));
    }
}
