package dev.memorag.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.MemoRAG;
import dev.memorag.pipeline.PipelineDescriptor;
import dev.memorag.pipeline.PipelineStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * What {@code add} and {@code remove} share: the held document ids read without loading a model, and the edit itself
 * (load the save, change it, where each change rewrites it atomically, and print what it now holds).
 *
 * <p>Thread-safety: stateless and thread-safe.
 */
final class SaveEdit {
    private SaveEdit() {
    }

    /** The ids of the documents {@code save} holds, in its order, from its descriptor alone. */
    static List<String> heldIds(Path save) {
        return PipelineStore.readDescriptor(save).documents().stream()
                .map(PipelineDescriptor.DocumentInfo::id).toList();
    }

    /**
     * Loads {@code save}, applies {@code change} and prints {@code <verb> <ids> <preposition> <save>: it now holds ...}
     * (or, with {@code json}, an object whose {@code <verb>} field lists the ids).
     *
     * @param verb "added" or "removed": the JSON field, and the first word of the line and of the Ctrl-C message
     * @param preposition "to" or "from", between the ids and the save in the line
     * @param change changes the loaded save (reporting to {@link Interruption} what each rewrite kept) and returns
     *     the ids it changed
     */
    static void apply(Path save, PipelineOptions options, boolean json, String verb, String preposition,
            Function<MemoRAG, List<String>> change) {
        Interruption.report(save + " keeps its previous documents (nothing was " + verb + ")");
        ProgressBar progress = options.progressBar();
        try (MemoRAG rag = options.builder(progress).load(save)) {
            List<String> changed = change.apply(rag);
            progress.finish();
            if (json) {
                ObjectNode n = PipelineOutput.object();
                n.put("save", save.toString());
                changed.forEach(n.putArray(verb)::add);
                rag.documentIds().forEach(n.putArray("documents")::add);
                n.put("chunks", rag.chunks().size());
                PipelineOutput.print(System.out, n);
            } else {
                System.out.printf(Locale.ROOT, "%s %s %s %s: it now holds %d document(s), %,d chunks%n", verb,
                        String.join(", ", changed), preposition, save, rag.documentIds().size(),
                        rag.chunks().size());
            }
        }
    }
}
