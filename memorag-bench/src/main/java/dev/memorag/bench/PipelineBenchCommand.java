package dev.memorag.bench;

import dev.memorag.cli.ProgressBar;
import dev.memorag.cli.PipelineOutput;
import dev.memorag.cli.PipelineOptions;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.MemoRAG;
import dev.memorag.api.Document;
import dev.memorag.api.MemoryStats;
import dev.memorag.pipeline.MemorizeMode;
import dev.memorag.pipeline.QueryOptions;
import dev.memorag.pipeline.TextInputs;
import dev.memorag.store.FileTrees;
import dev.memorag.text.Cl100kTokenCounter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code memorag bench pipeline BOOK}: memorise a text, save, reload, and retrieve once; prints memorise throughput,
 * save size, load time and their ratio as JSON. Uses whatever stack the model options select (default: the offline
 * embedder and index, no memory model).
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = "Memorise, save and reload a text; report throughput and load time (JSON).")
final class PipelineBenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "UTF-8 text file.")
    Path file;

    @Option(names = "--save", paramLabel = "DIR", description = "Save directory (default: temporary, deleted).")
    Path save;

    @Option(names = "--question", paramLabel = "TEXT", defaultValue = "Who is the main character?",
            description = "Query retrieved once after reloading.")
    String question;

    @Mixin
    PipelineOptions options;

    @Override
    public Integer call() throws IOException {
        String text = TextInputs.readUtf8(file);
        Path tmp = save == null ? Files.createTempDirectory("memorag-bench") : null;
        Path dir = save == null ? tmp.resolve("save") : save;
        try {
            long tokens = Cl100kTokenCounter.INSTANCE.count(text);
            ProgressBar progress = options.progressBar();
            ObjectNode n = PipelineOutput.object();
            n.put("file", file.toString());
            n.put("characters", text.length());
            n.put("tokens", tokens);
            long t0 = System.nanoTime();
            try (MemoRAG rag = options.builder(progress).build()) {
                long t1 = System.nanoTime();
                rag.memorize(List.of(new Document(String.valueOf(file.getFileName()), text)), dir,
                        MemorizeMode.REPLACE);
                double memorize = (System.nanoTime() - t1) / 1e9;
                n.put("components_seconds", (t1 - t0) / 1e9);
                n.put("memorize_seconds", memorize);
                n.put("memorize_tokens_per_second", tokens / memorize);
                n.put("chunks", rag.chunks().size());
                n.set("components", PipelineOutput.components(rag.describe()));
                MemoryStats s = rag.memoryStats();
                if (s != null) {
                    n.set("memory", PipelineOutput.memoryStats(s));
                }
            }
            progress.finish();
            n.put("save_bytes", size(dir));
            long t2 = System.nanoTime();
            try (MemoRAG rag = MemoRAG.load(dir, options.builder(progress))) {
                double load = (System.nanoTime() - t2) / 1e9;
                n.put("load_seconds", load);
                n.put("memorize_over_load", n.get("memorize_seconds").asDouble() / load);
                long t3 = System.nanoTime();
                int hits = rag.recall(question, QueryOptions.DEFAULTS).evidence().size();
                n.put("first_query_seconds", (System.nanoTime() - t3) / 1e9);
                n.put("first_query_hits", hits);
            }
            PipelineOutput.print(System.out, n);
            return 0;
        } finally {
            if (tmp != null) {
                FileTrees.deleteRecursively(tmp);
            }
        }
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
