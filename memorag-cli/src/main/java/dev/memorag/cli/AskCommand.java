package dev.memorag.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.MemoRAG;
import dev.memorag.api.Generator;
import dev.memorag.api.TaskType;
import dev.memorag.api.TokenListener;
import dev.memorag.error.InvalidInputException;
import dev.memorag.pipeline.EvidenceOrder;
import dev.memorag.pipeline.QueryOptions;
import dev.memorag.pipeline.QueryResult;
import dev.memorag.pipeline.Recollection;
import java.io.PrintWriter;
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
        memorag(TaskType.MEMORY_QA, true), qa(TaskType.MEMORY_ONLY_QA, true), summarize(TaskType.SUMMARIZE, false),
        rag(TaskType.RAG, false);

        final TaskType type;
        /** Whether the task cannot run on a save memorised without a memory model. */
        final boolean needsMemory;

        Task(TaskType type, boolean needsMemory) {
            this.type = type;
            this.needsMemory = needsMemory;
        }
    }

    /** How to get an answer (or a summary) when nothing can generate one; printed after the evidence. */
    static final String ADD_A_GENERATOR = "add a generator: --generator openai:MODEL (with OPENAI_API_KEY set), "
            + "--generator http://HOST:PORT/v1#MODEL (an OpenAI-compatible server) or --generator PATH (a local chat "
            + "model directory or .gguf file); or set OPENAI_API_KEY (or OPENAI_BASE_URL) and run it again";

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

    @Option(names = "--task", paramLabel = "TASK",
            description = "memorag (clues + retrieval; the default when the save has a memory model), qa (memory "
                    + "only), summarize, rag (retrieval only; the default when the save has no memory model).")
    Task task;

    @Mixin
    AskCommand.QueryFlags flags;

    @Mixin
    PipelineOptions options;

    @Override
    public Integer call() {
        return run(dir, question, task, flags, options);
    }

    /**
     * Shared by {@code ask} and {@code summarize}. {@code requested} null picks the task the save supports. Without a
     * generator the evidence is printed with how to get an answer, and the command succeeds: the evidence is a result.
     */
    static int run(Path dir, String question, Task requested, QueryFlags flags, PipelineOptions options) {
        QueryOptions query = flags.queryOptions();
        ProgressBar progress = options.progressBar();
        try (MemoRAG rag = options.builder(progress).load(dir);
                Generator fallback = PipelineOptions.attachEnvironmentGenerator(rag)) {
            progress.finish();
            boolean memory = rag.memoryStats() != null;
            Task task = requested != null ? requested : memory ? Task.memorag : Task.rag;
            if (task.needsMemory && !memory) {
                throw new InvalidInputException("--task " + task + " needs a memory model, and " + dir
                        + " was memorised without one: memorise it again with --memory-model REF (memorag memorize "
                        + "FILE... --save " + dir + " --replace --memory-model REF), or leave out --task to answer "
                        + "by retrieval alone");
            }
            if (!rag.hasGenerator()) {
                PrintWriter note = options.err();
                if (task == Task.summarize) {
                    printSaveWithoutGenerator(rag, dir, flags.json, note);
                } else {
                    printEvidenceWithoutGenerator(rag, question, query, flags.json, note, memory);
                }
                return 0;
            }
            boolean stream = !flags.json && !flags.noStream;
            TokenListener listener = stream ? piece -> {
                System.out.print(piece);
                System.out.flush();
            } : TokenListener.NONE;
            QueryResult r = rag.ask(question, task.type, query, listener);
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

    /** {@code ask} with nothing to answer: the clues and evidence an answer would come from, then how to get one. */
    private static void printEvidenceWithoutGenerator(MemoRAG rag, String question, QueryOptions query, boolean json,
            PrintWriter note, boolean memory) {
        Recollection r = rag.recall(question, query);
        String advice = "no generator, so no answer; to get one, " + ADD_A_GENERATOR
                + (memory ? "" : ", or memorise with --memory-model REF (a memory model answers too)");
        if (json) {
            ObjectNode n = PipelineOutput.recollection(r);
            n.putNull("answer");
            n.put("no_generator", advice);
            PipelineOutput.print(System.out, n);
            return;
        }
        if (!r.clues().isEmpty()) {
            System.out.println("clues:");
            r.clues().forEach(c -> System.out.println("  " + c));
        }
        System.out.printf(Locale.ROOT, "evidence for \"%s\": %d passage(s)%s%n", question, r.evidence().size(),
                memory ? "" : " (no memory model: the question alone retrieved them)");
        PipelineOutput.printEvidence(System.out, r.evidence());
        System.out.flush();
        note.println(advice);
        note.flush();
    }

    /** {@code summarize} with nothing to write the summary: what the save holds, then how to get a summary. */
    private static void printSaveWithoutGenerator(MemoRAG rag, Path dir, boolean json, PrintWriter note) {
        String advice = "no generator, so no summary; to get one, " + ADD_A_GENERATOR;
        if (json) {
            ObjectNode n = PipelineOutput.object();
            n.put("task", TaskType.SUMMARIZE.name());
            n.putNull("answer");
            rag.documentIds().forEach(n.putArray("documents")::add);
            n.put("chunks", rag.chunks().size());
            n.put("no_generator", advice);
            PipelineOutput.print(System.out, n);
            return;
        }
        System.out.printf(Locale.ROOT, "%s holds %d document(s) in %,d chunks: %s%n", dir, rag.documentIds().size(),
                rag.chunks().size(), String.join(", ", rag.documentIds()));
        System.out.flush();
        note.println(advice);
        note.flush();
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

        /**
         * The options, with evidence in {@code defaultOrder} unless --order says otherwise; flags out of range fail
         * here, in their command-line names, before models load.
         */
        QueryOptions queryOptions(Order defaultOrder) {
            PipelineOptions.requireHits(hits);
            if (maxTokens <= 0) {
                throw new InvalidInputException("--max-tokens must be > 0, was " + maxTokens);
            }
            if (clueTokens <= 0) {
                throw new InvalidInputException("--clue-tokens must be > 0, was " + clueTokens);
            }
            Order o = order == null ? defaultOrder : order;
            return QueryOptions.builder().hits(hits).order(o.order).draftAnswer(draft).answerTokens(maxTokens)
                    .clueTokens(clueTokens).keyPointTokens(Math.max(clueTokens, 4 * clueTokens)).build();
        }
    }
}
