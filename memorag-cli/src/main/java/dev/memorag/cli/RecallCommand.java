package dev.memorag.cli;

import dev.memorag.MemoRAG;
import dev.memorag.pipeline.Recollection;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code memorag recall DIR "question"}: the memory's clues and the evidence they retrieve, without an answer. */
@Command(name = "recall", mixinStandardHelpOptions = true,
        description = {"Show the clues the memory recalls for a question and the evidence they retrieve.",
            "Evidence is listed best match first (--order position lists it in the order of the text)."})
final class RecallCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "Save directory.")
    Path dir;

    @Parameters(index = "1", paramLabel = "QUESTION", description = "The question.")
    String question;

    @Mixin
    AskCommand.QueryFlags flags;

    @Mixin
    PipelineOptions options;

    @Override
    public Integer call() {
        ProgressBar progress = options.progressBar();
        try (MemoRAG rag = options.builder(progress).load(dir)) {
            progress.finish();
            // Nothing is generated from the evidence: the best passages come first unless --order says otherwise.
            Recollection r = rag.recall(question, flags.queryOptions(AskCommand.Order.score));
            if (flags.json) {
                PipelineOutput.print(System.out, PipelineOutput.recollection(r));
                return 0;
            }
            if (r.clues().isEmpty()) {
                System.out.println(rag.memoryStats() == null
                        ? "no memory model: the question alone retrieved the evidence"
                        : "the memory produced no usable clues: the question alone retrieved the evidence");
            } else {
                System.out.println("clues:");
                r.clues().forEach(c -> System.out.println("  " + c));
            }
            if (!r.draftAnswer().isEmpty()) {
                System.out.println("draft answer: " + r.draftAnswer().strip());
            }
            System.out.println();
            PipelineOutput.printEvidence(System.out, r.evidence());
            PipelineOutput.printTimings(System.out, r.timings());
            return 0;
        }
    }
}
