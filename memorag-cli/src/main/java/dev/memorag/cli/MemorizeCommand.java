package dev.memorag.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.MemoRAG;
import dev.memorag.api.Document;
import dev.memorag.api.MemoryStats;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.pipeline.MemorizeMode;
import dev.memorag.pipeline.PipelineStore;
import dev.memorag.pipeline.TextInputs;
import dev.memorag.store.SaveDirectory;
import dev.memorag.text.Cl100kTokenCounter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code memorag memorize FILE... --save DIR}: chunk, index and memorise text files, then save. */
@Command(name = "memorize", mixinStandardHelpOptions = true,
        description = "Memorise UTF-8 text files (one document each) into a save directory.")
final class MemorizeCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "UTF-8 text files; the file name is the document id.")
    List<Path> files;

    @Option(names = "--save", required = true, paramLabel = "DIR", description = "Save directory.")
    Path save;

    @Option(names = "--replace", description = "Overwrite a save directory that already holds a memory.")
    boolean replace;

    @Option(names = "--json", description = "Print a JSON report.")
    boolean json;

    @Mixin
    PipelineOptions options;

    @Override
    public Integer call() {
        List<Document> docs = readDocuments(files);
        checkTarget(save, replace);
        Interruption.report(PipelineStore.holdsSave(save) ? save + " keeps its previous save unchanged"
                : "nothing was written to " + save);
        ProgressBar progress = options.progressBar();
        long t0 = System.nanoTime();
        try (MemoRAG rag = options.builder(progress).build()) {
            rag.memorize(docs, save, replace ? MemorizeMode.REPLACE : MemorizeMode.FAIL_IF_PRESENT);
            Interruption.report(save + " was saved completely");
            double seconds = (System.nanoTime() - t0) / 1e9;
            progress.finish();
            long tokens = docs.stream().mapToLong(d -> Cl100kTokenCounter.INSTANCE.count(d.text())).sum();
            ObjectNode n = PipelineOutput.object();
            n.put("save", save.toString());
            n.put("documents", docs.size());
            n.put("chunks", rag.chunks().size());
            n.put("tokens", tokens);
            n.put("seconds", seconds);
            n.put("tokens_per_second", tokens / seconds);
            n.set("components", PipelineOutput.components(rag.describe()));
            MemoryStats stats = rag.memoryStats();
            if (stats != null) {
                n.set("memory", PipelineOutput.memoryStats(stats));
            }
            if (json) {
                PipelineOutput.print(System.out, n);
            } else {
                System.out.printf(Locale.ROOT, "memorised %d document(s), %,d tokens, %,d chunks in %.1f s "
                        + "(%,.0f tokens/s) into %s%n", docs.size(), tokens, rag.chunks().size(), seconds,
                        tokens / seconds, save);
                System.out.println("components: " + rag.describe());
                printNextSteps(stats != null);
            }
        }
        return 0;
    }

    /** What the save supports and the commands that use it, with the generator that was configured. */
    private void printNextSteps(boolean memory) {
        String generatorOption = options.generator == null ? "" : " --generator " + options.generator;
        if (memory) {
            System.out.printf(Locale.ROOT, "the save holds a memory: next, memorag ask %s \"QUESTION\"%s, "
                    + "memorag summarize %s%s, or memorag recall %s \"QUESTION\" (clues and evidence only)%n",
                    save, generatorOption, save, generatorOption, save);
            return;
        }
        boolean answers = options.generator != null || PipelineOptions.environmentHasGenerator(System.getenv());
        System.out.printf(Locale.ROOT, "no memory model: the save supports retrieval only (no clues, no key points)."
                + " Next: memorag recall %s \"QUESTION\" (the evidence), memorag ask %s \"QUESTION\"%s%n", save,
                save, answers ? generatorOption : " --generator REF (openai:MODEL, http://HOST:PORT/v1#MODEL or a "
                        + "local chat model directory or .gguf file; without one, ask prints the evidence)");
        System.out.println("memorise with --memory-model REF for MemoRAG's memory (a beacon checkpoint, or "
                + "lite:CHAT_MODEL), which also answers");
    }

    /**
     * Refuses, before any model is loaded or any text embedded, a {@code --save} target that the save at the end
     * would refuse: a save without {@code --replace}, a file, or a directory holding something other than a save.
     */
    static void checkTarget(Path save, boolean replace) {
        if (PipelineStore.holdsSave(save)) {
            if (!replace) {
                throw new StateException(save + " already holds a saved memory: pass --replace to overwrite it, or "
                        + "add documents to it with 'memorag add " + save + " FILE...'");
            }
            return;
        }
        try {
            SaveDirectory.checkWritable(save);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(e.getMessage() + " (--replace overwrites only an existing save)", e);
        }
    }

    /** One document per file, id = file name (or the path when two files share a name); strict UTF-8. */
    static List<Document> readDocuments(List<Path> files) {
        Set<String> names = new HashSet<>();
        Set<String> duplicates = new HashSet<>();
        for (Path f : files) {
            if (!names.add(String.valueOf(f.getFileName()))) {
                duplicates.add(String.valueOf(f.getFileName()));
            }
        }
        List<Document> docs = new ArrayList<>();
        for (Path f : files) {
            String name = String.valueOf(f.getFileName());
            String id = duplicates.contains(name) ? f.toString() : name;
            docs.add(new Document(id, TextInputs.readUtf8(f)));
        }
        return docs;
    }
}
