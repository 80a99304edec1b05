package dev.memorag.internal;

import dev.memorag.api.Answer;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Generator;
import dev.memorag.api.Hit;
import dev.memorag.api.TaskType;
import dev.memorag.api.TokenCounter;
import dev.memorag.api.TokenListener;
import dev.memorag.error.InvalidInputException;
import dev.memorag.pipeline.EvidenceFitter;
import dev.memorag.pipeline.QueryResult;
import java.util.List;
import java.util.function.Function;

/**
 * The last stage every generating task shares: measures the prompt around the evidence, gives the evidence what is
 * left of the generator's window after that and the answer, fits it ({@link EvidenceFitter}), appends a draft answer
 * passage if there is one, and generates.
 *
 * <p>Thread-safety: stateless.
 */
final class AnswerStage {
    private AnswerStage() {
    }

    /**
     * Generates the answer of {@code task}.
     *
     * @param prompt the generator prompt around a given evidence text
     * @param clues the clues reported with the answer
     * @param evidence retrieved passages, before fitting
     * @param draftPassage a passage appended after the evidence (never cut), or null
     */
    static QueryResult answer(PipelineState state, TaskType task, Function<String, String> prompt, List<String> clues,
            List<Hit> evidence, String draftPassage, TokenListener listener, Stages stages) {
        Generator gen = state.requireGenerator(task);
        TokenCounter counter = state.fittingCounter(gen);
        int answerTokens = stages.options().answerTokens();
        int overhead = counter.count(prompt.apply("")) + PipelineConfig.TEMPLATE_RESERVE_TOKENS
                + (draftPassage == null ? 0 : counter.count(draftPassage) + counter.count(EvidenceFitter.SEPARATOR));
        int budget = Integer.MAX_VALUE;
        if (gen.contextTokens() != Integer.MAX_VALUE) {
            long b = (long) gen.contextTokens() - overhead - answerTokens;
            if (b <= 0) {
                throw new InvalidInputException("generator " + gen.id() + " accepts " + gen.contextTokens()
                        + " tokens, but the prompt needs " + overhead + " and the answer " + answerTokens
                        + ": lower QueryOptions.answerTokens (CLI: --max-tokens) or use a generator with a longer "
                        + "context");
            }
            budget = (int) b;
        }
        int fitBudget = budget;
        EvidenceFitter.FittedEvidence fitted = stages.time("fit",
                () -> new EvidenceFitter(counter).fit(evidence, fitBudget));
        if (fitted.truncated()) {
            stages.warn("evidence cut to fit generator " + gen.id() + " (" + gen.contextTokens() + " tokens): kept "
                    + fitted.passages().size() + " of " + evidence.size() + " passages"
                    + (fitted.passageCut() ? ", the only one shortened" : "") + " (" + fitted.tokens() + " tokens)");
        }
        String text = fitted.text();
        if (draftPassage != null) {
            text = text.isEmpty() ? draftPassage : text + EvidenceFitter.SEPARATOR + draftPassage;
        }
        String filled = prompt.apply(text);
        GenerationResult r = stages.generate("generation", () -> gen.generate(List.of(ChatMessage.user(filled)),
                stages.greedy(answerTokens), listener));
        Answer answer = new Answer(r.text().strip(), task, clues, fitted.passages(), stages.timings(),
                stages.usage());
        return new QueryResult(answer, evidence.size(), fitted.dropped(), fitted.truncated(), stages.warnings());
    }
}
