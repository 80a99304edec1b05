package dev.memorag.cli;

import dev.memorag.api.Document;
import dev.memorag.error.InvalidInputException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
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
        List<Document> read = MemorizeCommand.readDocuments(files);
        List<Document> docs = id == null ? read : List.of(new Document(id, read.get(0).text()));
        // Cheap checks first: the descriptor names the held documents, no model needs loading for that.
        List<String> held = SaveEdit.heldIds(save);
        for (Document d : docs) {
            if (held.contains(d.id())) {
                throw new InvalidInputException("document '" + d.id() + "' is already in " + save
                        + ": give the new one another id with --id, or remove the old one first with "
                        + "'memorag remove " + save + " " + d.id() + "'");
            }
        }
        SaveEdit.apply(save, options, json, "added", "to", rag -> {
            rag.add(docs);
            Interruption.report(save + " was saved completely");
            return docs.stream().map(Document::id).toList();
        });
        return 0;
    }
}
