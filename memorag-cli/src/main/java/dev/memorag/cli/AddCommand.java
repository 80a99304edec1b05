package dev.memorag.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.MemoRAG;
import dev.memorag.api.Document;
import dev.memorag.error.InvalidInputException;
import dev.memorag.pipeline.PipelineDescriptor;
import dev.memorag.pipeline.PipelineStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code memorag add SAVE FILE... [--id ID]}: adds documents to an existing save and rewrites it atomically. */
@Command(name = "add", mixinStandardHelpOptions = true,
        description = {"Add UTF-8 text files (one document each) to a save directory written by 'memorag memorize'.",
            "The new text is chunked, indexed and read into the memory (appended; a memory model that cannot append "
                    + "re-reads every document), then the save is rewritten: into a temporary sibling that replaces "
                    + "it in one rename, so a failure or Ctrl-C leaves the previous save as it was."})
final class AddCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SAVE", description = "Save directory.")
    Path save;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "FILE",
            description = "UTF-8 text files; the file name is the document id unless --id is given.")
    List<Path> files;

    @Option(names = "--id", paramLabel = "ID", description = "The document id (with a single FILE only).")
    String id;

    @Option(names = "--json", description = "Print a JSON report.")
    boolean json;

    @Mixin
    PipelineOptions options;

    @Override
    public Integer call() {
        if (id != null && files.size() != 1) {
            throw new InvalidInputException("--id names one document, but " + files.size()
                    + " files were given: add them one at a time, or drop --id to use the file names");
        }
        List<Document> docs = MemorizeCommand.readDocuments(files);
        if (id != null) {
            docs = List.of(new Document(id, docs.get(0).text()));
        }
        // Cheap checks first: the descriptor names the held documents, no model needs loading for that.
        Set<String> held = PipelineStore.readDescriptor(save).documents().stream()
                .map(PipelineDescriptor.DocumentInfo::id).collect(Collectors.toSet());
        for (Document d : docs) {
            if (held.contains(d.id())) {
                throw new InvalidInputException("document '" + d.id() + "' is already in " + save
                        + ": give the new one another id with --id, or remove the old one first with "
                        + "'memorag remove " + save + " " + d.id() + "'");
            }
        }
        Interruption.report(save + " keeps its previous documents (nothing was added)");
        ProgressBar progress = options.progressBar();
        try (MemoRAG rag = options.builder(progress).load(save)) {
            rag.add(docs);
            Interruption.report(save + " was saved completely");
            progress.finish();
            List<String> added = docs.stream().map(Document::id).toList();
            if (json) {
                ObjectNode n = PipelineOutput.object();
                n.put("save", save.toString());
                added.forEach(n.putArray("added")::add);
                rag.documentIds().forEach(n.putArray("documents")::add);
                n.put("chunks", rag.chunks().size());
                PipelineOutput.print(System.out, n);
            } else {
                System.out.printf(Locale.ROOT, "added %s to %s: it now holds %d document(s), %,d chunks%n",
                        String.join(", ", added), save, rag.documentIds().size(), rag.chunks().size());
            }
        }
        return 0;
    }
}
