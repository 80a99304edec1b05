package dev.memorag.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.StorageException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.MemoRAG;
import dev.memorag.MemoRAGBuilder;
import dev.memorag.api.Document;
import dev.memorag.api.Generator;
import dev.memorag.api.TaskType;
import dev.memorag.memory.lite.LiteMemoryModelProvider;
import dev.memorag.pipeline.MemorizeMode;
import dev.memorag.pipeline.PipelineStore;
import dev.memorag.pipeline.QueryOptions;
import dev.memorag.pipeline.QueryResult;
import dev.memorag.pipeline.Recollection;
import dev.memorag.store.FileTrees;
import dev.memorag.text.Cl100kTokenCounter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code memorag demo}: memorises a public-domain book bundled with the tool (Alice's Adventures in Wonderland,
 * Project Gutenberg #11) with the offline default stack, saves it, reloads it and answers a question. When neither a
 * memory model nor a generator is configured, a small local chat model ({@link DefaultChatModel}) serves as
 * MemoRAG-Lite gist memory and generator; since it writes its gists on the CPU, it reads only the first chapter unless
 * {@code --full-book} is given. Without any generative model it says so and prints the retrieved evidence instead.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Memorise a bundled book, save, reload and answer a question about it.")
final class DemoCommand implements Callable<Integer> {
    static final String BOOK = "/dev/memorag/demo/pg11_alice.txt";
    static final String DEFAULT_QUESTION = "What was written on the little bottle that Alice found on the table?";

    @Option(names = "--question", paramLabel = "TEXT", description = "The question (default: \"" + DEFAULT_QUESTION
            + "\").")
    String question = DEFAULT_QUESTION;

    @Option(names = "--save", paramLabel = "DIR",
            description = "Keep the save here, for 'memorag ask DIR ...' later (default: a temporary directory, "
                    + "deleted when the demo ends, whose path is not printed).")
    Path save;

    @Option(names = "--replace", description = "Overwrite --save if it already holds a memory.")
    boolean replace;

    @Option(names = "--json", description = "Print a JSON report.")
    boolean json;

    @Option(names = "--full-book", description = "With the default local chat model, memorise the whole book rather "
            + "than its first chapter (several minutes on a laptop CPU).")
    boolean fullBook;

    @Option(names = "--no-local-model", description = "Do not look for a local chat model when none is configured.")
    boolean noLocalModel;

    /** Gist sizes for the small default model: short chunks keep its prompts well inside what it handles. */
    static final String LOCAL_GIST_CHUNK_TOKENS = "1024";
    static final String LOCAL_GIST_TOKENS = "128";
    static final int LOCAL_CLUE_TOKENS = 48;
    static final int LOCAL_ANSWER_TOKENS = 64;

    /** The reference of the default local model, when the demo chose one. */
    private String localModel;

    @Mixin
    PipelineOptions options;

    @Override
    public Integer call() throws IOException {
        String text = readBook();
        if (options.memoryModel == null && options.generator == null && !noLocalModel
                && !PipelineOptions.environmentHasGenerator(System.getenv())) {
            localModel = DefaultChatModel.find(options.download, System.getenv()).orElse(null);
            if (localModel != null) {
                options.memoryModel = "lite:" + localModel;
                if (!fullBook) {
                    text = firstChapter(text);
                }
            }
        }
        if (save != null) {
            MemorizeCommand.checkTarget(save, replace);
            Interruption.report(PipelineStore.holdsSave(save) ? save + " keeps its previous save unchanged"
                    : "nothing was written to " + save);
            return run(text, save);
        }
        Path tmp = Files.createTempDirectory("memorag-demo");
        Interruption.report("the demo's temporary save was deleted", () -> deleteTemporary(tmp));
        try {
            return run(text, tmp.resolve("alice.memory"));
        } finally {
            FileTrees.deleteRecursively(tmp);
        }
    }

    /**
     * Deletes the temporary save from the shutdown hook while the interrupted command may still be writing into it
     * (the JVM stops it only after the hooks), so a file appearing meanwhile gets a few more tries.
     */
    private static String deleteTemporary(Path tmp) {
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                FileTrees.deleteRecursively(tmp);
                return "";
            } catch (IOException e) {
                last = e;
            }
        }
        return " except " + tmp + " (" + last.getMessage() + "): delete it by hand";
    }

    /** Shorter clues and answers for the small default model, whose long outputs mostly repeat themselves. */
    private QueryOptions queryOptions() {
        return localModel == null ? QueryOptions.DEFAULTS
                : QueryOptions.builder().clueTokens(LOCAL_CLUE_TOKENS).answerTokens(LOCAL_ANSWER_TOKENS).build();
    }

    private MemoRAGBuilder withLocalOptions(MemoRAGBuilder b) {
        return localModel == null ? b : b.option(LiteMemoryModelProvider.CHUNK_TOKENS, LOCAL_GIST_CHUNK_TOKENS)
                .option(LiteMemoryModelProvider.GIST_TOKENS, LOCAL_GIST_TOKENS);
    }

    /** The book up to the heading of its second chapter. */
    static String firstChapter(String book) {
        int second = book.indexOf("CHAPTER II.");
        return second < 0 ? book : book.substring(0, second);
    }

    private int run(String text, Path dir) {
        ProgressBar progress = options.progressBar();
        long tokens = Cl100kTokenCounter.INSTANCE.count(text);
        if (localModel != null) {
            say("No model configured: using the local chat model %s as MemoRAG-Lite memory and generator%s.",
                    localModel, fullBook ? "" : " (first chapter only; --full-book reads all of it)");
        }
        say("Memorising \"Alice's Adventures in Wonderland\" (Project Gutenberg #11, public domain): %,d characters, "
                + "%,d tokens.", text.length(), tokens);
        long t0 = System.nanoTime();
        int chunks;
        java.util.Map<String, String> components;
        try (MemoRAG rag = withLocalOptions(options.builder(progress)).build()) {
            rag.memorize(java.util.List.of(new Document("alice", text)), dir,
                    replace ? MemorizeMode.REPLACE : MemorizeMode.FAIL_IF_PRESENT);
            chunks = rag.chunks().size();
            components = rag.describe();
        }
        double memorizeSeconds = (System.nanoTime() - t0) / 1e9;
        progress.finish();
        if (save != null) {
            Interruption.report(save + " was saved completely");
            say("Memorised and saved to %s in %.1f s (%,.0f tokens/s, %d chunks).", save, memorizeSeconds,
                    tokens / memorizeSeconds, chunks);
        } else {
            say("Memorised and saved to a temporary directory in %.1f s (%,.0f tokens/s, %d chunks); it is deleted "
                    + "when the demo ends (--save DIR keeps the save for 'memorag ask DIR ...').", memorizeSeconds,
                    tokens / memorizeSeconds, chunks);
        }
        say("Components: %s", components);

        long t1 = System.nanoTime();
        try (MemoRAG rag = options.builder(progress).load(dir);
                Generator fallback = PipelineOptions.attachEnvironmentGenerator(rag)) {
            double loadSeconds = (System.nanoTime() - t1) / 1e9;
            progress.finish();
            say("Reloaded in %.2f s (%.0fx faster than memorising).", loadSeconds, memorizeSeconds / loadSeconds);
            ObjectNode report = PipelineOutput.object();
            report.put("book", "pg11_alice.txt");
            // null: the save was temporary and is gone once the demo ends
            report.put("save", save == null ? null : save.toString());
            report.put("characters", text.length());
            if (localModel != null) {
                report.put("local_model", localModel);
            }
            report.put("tokens", tokens);
            report.put("chunks", chunks);
            report.put("memorize_seconds", memorizeSeconds);
            report.put("memorize_tokens_per_second", tokens / memorizeSeconds);
            report.put("load_seconds", loadSeconds);
            report.set("components", PipelineOutput.components(rag.describe()));
            report.put("question", question);
            say("%nQuestion: %s", question);
            if (rag.hasGenerator()) {
                TaskType task = rag.memoryStats() != null ? TaskType.MEMORY_QA : TaskType.RAG;
                QueryResult r = rag.ask(question, task, queryOptions(), piece -> { });
                report.set("result", PipelineOutput.answer(r));
                if (!json) {
                    System.out.println("Answer (" + task + "): " + r.answer().text());
                    System.out.println();
                    System.out.println("Evidence:");
                    PipelineOutput.printEvidence(System.out, r.answer().evidence());
                    PipelineOutput.printTimings(System.out, r.answer().timings());
                }
            } else {
                Recollection r = rag.recall(question, queryOptions());
                report.put("answer", (String) null);
                report.put("note", "no generative model configured");
                report.set("result", PipelineOutput.recollection(r));
                if (!json) {
                    System.out.println((rag.memoryStats() == null ? "No generative model is configured"
                            : "The memory model cannot write answers itself and no generator is configured")
                            + ", so there is no answer. Pass --memory-model REF and/or --generator REF, or set "
                            + "OPENAI_API_KEY or OPENAI_BASE_URL, to run the full pipeline.");
                    if (!r.clues().isEmpty()) {
                        System.out.println("Clues from the memory:");
                        r.clues().forEach(c -> System.out.println("  " + c));
                    }
                    System.out.println("These are the passages retrieved for the question (the evidence an answer "
                            + "would be based on):");
                    System.out.println();
                    PipelineOutput.printEvidence(System.out, r.evidence());
                    PipelineOutput.printTimings(System.out, r.timings());
                }
            }
            if (json) {
                PipelineOutput.print(System.out, report);
            }
        }
        return 0;
    }

    /** Human-readable progress lines go to stdout, or to stderr when stdout carries JSON. */
    private void say(String format, Object... args) {
        (json ? System.err : System.out).println(String.format(Locale.ROOT, format, args));
    }

    static String readBook() {
        try (InputStream in = DemoCommand.class.getResourceAsStream(BOOK)) {
            if (in == null) {
                throw new InvalidInputException("bundled book " + BOOK + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StorageException("cannot read bundled book " + BOOK + ": " + e.getMessage(), e);
        }
    }
}
