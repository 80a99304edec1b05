package dev.memorag.cli;

import dev.memorag.error.InvalidInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code memorag remove SAVE DOC_ID...}: removes documents from an existing save and rewrites it atomically. */
@Command(name = "remove", mixinStandardHelpOptions = true,
        description = {"Remove documents from a save directory ('memorag info SAVE' lists their ids).",
            "Their chunks leave the index; a memory model, which cannot forget, re-reads the remaining documents. "
                    + "The save is rewritten into a temporary sibling that replaces it in one rename, once per "
                    + "document, so a failure or Ctrl-C leaves it as it was after the last completed removal."})
final class RemoveCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SAVE", description = "Save directory.")
    Path save;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "DOC_ID", description = "Ids of the documents to remove.")
    List<String> ids;

    @Option(names = "--json", description = "Print a JSON report.")
    boolean json;

    @Mixin
    PipelineOptions options;

    @Override
    public Integer call() {
        List<String> remove = List.copyOf(new LinkedHashSet<>(ids));
        // Cheap checks first: the descriptor names the held documents, no model needs loading for that.
        List<String> held = SaveEdit.heldIds(save);
        for (String id : remove) {
            if (!held.contains(id)) {
                throw new InvalidInputException("no document '" + id + "' in " + save + "; it holds: "
                        + String.join(", ", held));
            }
        }
        if (remove.size() == held.size()) {
            throw new InvalidInputException("cannot remove every document of " + save + " (a save cannot be empty): "
                    + "memorise new text into it with 'memorag memorize FILE... --save " + save + " --replace'");
        }
        SaveEdit.apply(save, options, json, "removed", "from", rag -> {
            List<String> removed = new ArrayList<>();
            for (String id : remove) {
                rag.remove(id);
                removed.add(id);
                Interruption.report(save + " was saved without " + String.join(", ", removed)
                        + (removed.size() < remove.size() ? "; the other documents were not removed" : ""));
            }
            return removed;
        });
        return 0;
    }
}
