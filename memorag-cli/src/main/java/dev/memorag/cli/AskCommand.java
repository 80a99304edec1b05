package dev.memorag.cli;

import dev.memorag.MemoRAG;
import dev.memorag.api.Generator;
import dev.memorag.api.TaskType;
import dev.memorag.api.TokenListener;
import dev.memorag.pipeline.EvidenceOrder;
import dev.memorag.pipeline.QueryOptions;
import dev.memorag.pipeline.QueryResult;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code memorag ask DIR "question"}: answer a question over a saved memory. */
@Command(name = "ask", mixinStandardHelpOptions = true,
        description = "Answer a question over a save directory written by 'memorag memorize'.")
final class AskCommand implements Callable<Integer> {

    /** CLI names of the tasks. */
    enum Task {
        memorag(TaskType.MEMORY_QA), qa(TaskType.MEMORY_ONLY_QA), summarize(TaskType.SUMMARIZE), rag(TaskType.RAG);

        final TaskType type;

        Task(TaskType type) {
            this.type = type;
        }
    }

    /** CLI names of the evidence orders. */
    enum Order {
        position(EvidenceOrder.DOCUMENT_POSITION), score(EvidenceOrder.FUSED_SCORE);

        final EvidenceOrder order;

        Order(EvidenceOrder order) {
            this.order = order;
        }
    }

    @Parameters(index = "0", paramLabel = "DIR", description = "Save directory.")
    Path dir;

    @Parameters(index = "1", paramLabel = "QUESTION", description = "The question.")
    String question;

    @Option(names = "--task", paramLabel = "TASK", defaultValue = "memorag",
            description = "memorag (clues + retrieval, default), qa (memory only), summarize, rag (no memory).")
    Task task;

    @Mixin
    AskCommand.QueryFlags flags;

    @Mixin
    PipelineOptions options;

    @Override
    public Integer call() {
        return run(dir, question, task.type, flags, options);
    }

    /** Shared by {@code ask} and {@code summarize}. */
    static int run(Path dir, String question, TaskType task, QueryFlags flags, PipelineOptions options) {
        ProgressBar progress = options.progressBar();
        try (MemoRAG rag = options.builder(progress).load(dir);
                Generator fallback = options.attachEnvironmentGenerator(rag)) {
            progress.finish();
            boolean stream = !flags.json && !flags.noStream;
            TokenListener listener = stream ? piece -> {
                System.out.print(piece);
                System.out.flush();
            } : TokenListener.NONE;
            QueryResult r = rag.ask(question, task, flags.queryOptions(), listener);
            if (flags.json) {
                PipelineOutput.print(System.out, PipelineOutput.answer(r));
                return 0;
            }
            if (stream) {
                System.out.println();
            } else {
                System.out.println(r.answer().text());
            }
            if (!r.answer().clues().isEmpty()) {
                System.out.println();
                System.out.println("clues:");
                r.answer().clues().forEach(c -> System.out.println("  " + c));
            }
            if (!r.answer().evidence().isEmpty()) {
                System.out.printf(Locale.ROOT, "%nevidence: %d passage(s)%s%n", r.answer().evidence().size(),
                        flags.showEvidence ? "" : " (--show-evidence prints them)");
                if (flags.showEvidence) {
                    PipelineOutput.printEvidence(System.out, r.answer().evidence());
                } else {
                    r.answer().evidence().forEach(h -> System.out.printf(Locale.ROOT, "  %s chars %,d-%,d%n",
                            h.chunk().id(), h.chunk().start(), h.chunk().end()));
                }
            }
            PipelineOutput.printTimings(System.out, r.answer().timings());
            return 0;
        }
    }

    /**
     * Query flags shared by {@code ask}, {@code summarize} and {@code recall}.
     *
     * <p>Thread-safety: not thread-safe.
     */
    static final class QueryFlags {
        @Option(names = "--json", description = "Print a JSON report.")
        boolean json;

        @Option(names = "--hits", paramLabel = "N", description = "Chunks per clue (default: 3).")
        int hits;

        @Option(names = "--order", paramLabel = "ORDER",
                description = "Evidence order: score (best match first) or position (in the text). Default: "
                        + "position for ask and summarize, the order the generator reads the passages in (MemoRAG's "
                        + "own: passages in the order of the story keep their context); score for recall, where "
                        + "nothing is generated and the best passages come first.")
        Order order;

        @Option(names = "--draft", description = "Ask the memory for a draft answer and add it as a passage.")
        boolean draft;

        @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "256",
                description = "New tokens for the answer (default 256).")
        int maxTokens;

        @Option(names = "--clue-tokens", paramLabel = "N", defaultValue = "128",
                description = "New tokens for each memory instruction: clues, surrogate questions (default 128).")
        int clueTokens;

        @Option(names = "--no-stream", description = "Print the answer when complete instead of streaming it.")
        boolean noStream;

        @Option(names = "--show-evidence", description = "Print the evidence passages in full.")
        boolean showEvidence;

        /** The options of {@code ask} and {@code summarize}: evidence in position order unless --order says. */
        QueryOptions queryOptions() {
            return queryOptions(Order.position);
        }

        /** The options, with evidence in {@code defaultOrder} unless --order says otherwise. */
        QueryOptions queryOptions(Order defaultOrder) {
            Order o = order == null ? defaultOrder : order;
            return QueryOptions.builder().hits(hits).order(o.order).draftAnswer(draft).answerTokens(maxTokens)
                    .clueTokens(clueTokens).keyPointTokens(Math.max(clueTokens, 4 * clueTokens)).build();
        }
    }
}
