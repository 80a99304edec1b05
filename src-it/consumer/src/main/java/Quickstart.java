import dev.memorag.MemoRAG;
import dev.memorag.api.Hit;
import dev.memorag.pipeline.MemorizeMode;
import dev.memorag.pipeline.QueryOptions;
import dev.memorag.pipeline.Recollection;
import java.nio.file.Files;
import java.nio.file.Path;

/** Memorise a book offline, save it, reload it, print the passages that answer a question. */
public class Quickstart {
    public static void main(String[] args) throws Exception {
        Path book = Path.of(args.length > 0 ? args[0] : "alice.txt");       // any plain-text book
        Path save = Path.of(args.length > 1 ? args[1] : "alice.memory");
        // No memory model, no generator: the bundled bge-small embedder and BM25 (hybrid index), all offline.
        try (MemoRAG rag = MemoRAG.builder().build()) {
            rag.memorize(Files.readString(book), save, MemorizeMode.REPLACE); // chunk, embed, index, save
        }
        try (MemoRAG rag = MemoRAG.load(save)) {                             // reload: nothing is re-embedded
            Recollection r = rag.recall("What was written on the little bottle?", QueryOptions.DEFAULTS);
            for (Hit hit : r.evidence()) {                                  // best passages, in book order
                System.out.printf("[%d..%d] %.3f %s%n", hit.chunk().start(), hit.chunk().end(), hit.score(),
                        hit.chunk().text().replaceAll("\\s+", " "));
            }
        }
    }
}
