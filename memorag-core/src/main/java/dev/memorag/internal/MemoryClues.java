package dev.memorag.internal;

import dev.memorag.api.GenerationOptions;
import dev.memorag.api.MemoryModel;
import dev.memorag.api.TokenListener;
import dev.memorag.pipeline.ClueFilter;
import dev.memorag.prompt.Prompts;
import java.util.List;

/**
 * What the memory says about a query before retrieval (MemoRAG's clue stage): recalled spans and surrogate questions,
 * filtered into clues (the query itself removed), and optionally a draft answer.
 *
 * <p>Thread-safety: immutable.
 *
 * @param clues retrieval queries from the memory
 * @param draft the draft answer, or empty
 */
record MemoryClues(List<String> clues, String draft) {
    static final MemoryClues NONE = new MemoryClues(List.of(), "");

    MemoryClues {
        clues = List.copyOf(clues);
    }

    /** Asks {@code memory} for the clues of {@code query}. */
    static MemoryClues of(PipelineState state, MemoryModel memory, String query, Stages stages) {
        Prompts prompts = state.prompts();
        GenerationOptions gen = stages.greedy(stages.options().clueTokens());
        String recall = stages.generate("recall",
                () -> memory.instruct(prompts.recall(query), gen, TokenListener.NONE)).text();
        String rewrite = stages.generate("rewrite",
                () -> memory.instruct(prompts.rewrite(query), gen, TokenListener.NONE)).text();
        String draft = !stages.options().draftAnswer() ? "" : stages.generate("draft",
                () -> memory.instruct(prompts.answer(query), gen, TokenListener.NONE)).text();
        List<String> clues = new ClueFilter(state.languageOrEnglish()).filter(List.of(recall, rewrite));
        clues.removeIf(c -> c.equals(query.strip()));
        return new MemoryClues(clues, draft);
    }

    /** The retrieval queries: the clues, then the original query last, as MemoRAG does. */
    List<String> queriesWith(String query) {
        List<String> queries = new java.util.ArrayList<>(clues);
        queries.add(query);
        return queries;
    }
}
