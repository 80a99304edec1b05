package dev.memorag.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.MemoRAG;
import dev.memorag.MemoRAGBuilder;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.Document;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Generator;
import dev.memorag.api.Language;
import dev.memorag.api.TaskType;
import dev.memorag.api.TokenListener;
import dev.memorag.error.InvalidInputException;
import dev.memorag.memory.LocalGenerator;
import dev.memorag.memory.lite.GistMemoryModel;
import dev.memorag.memory.lm.RuntimeOptions;
import dev.memorag.pipeline.QueryOptions;
import dev.memorag.prompt.Prompts;
import dev.memorag.store.FileTrees;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memorag eval qa}: answer quality (exact match and token F1, eval/README.md) of plain RAG, MemoRAG-Lite and
 * full context with one local chat model as generator (and, for Lite, as gist memory).
 *
 * <p>Documents: a book QA question is asked about its story (the book span from the first to the last gold section of
 * that story's questions), questions taken in file order and grouped by story; multi-hop questions are asked in
 * groups of {@code --group}, each group's document being the union of its gold passages in a seeded shuffled order.
 * Each document is memorised once per method; full context puts the whole document into the prompt when it fits the
 * generator's window and is reported as skipped for the questions where it does not.
 */
@Command(name = "qa", mixinStandardHelpOptions = true,
        description = "EM / F1 of plain RAG, MemoRAG-Lite and full context on book QA and multi-hop QA (JSON + table).")
public final class EvalQaCommand implements Runnable {
    @Option(names = "--data", defaultValue = "../shared/eval", description = "eval data folder (default ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--model", required = true, description = "local chat model: a model directory or a .gguf file")
    String model;

    @Option(names = "--slices", defaultValue = "bookqa,musique,hotpotqa", split = ",",
            description = "slices (default ${DEFAULT-VALUE})")
    List<String> slices;

    @Option(names = "--methods", defaultValue = "rag,lite,full", split = ",",
            description = "methods (default ${DEFAULT-VALUE})")
    List<String> methods;

    @Option(names = "--limit", defaultValue = "30", description = "questions per slice (default ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--group", defaultValue = "8", description = "multi-hop questions per document (default 8)")
    int group;

    @Option(names = "--chunk-tokens", defaultValue = "128", description = "retrieval chunk size (default 128)")
    int chunkTokens;

    @Option(names = "--answer-tokens", defaultValue = "32", description = "answer length limit (default 32)")
    int answerTokens;

    @Option(names = "--clue-tokens", defaultValue = "64", description = "Lite clue length limit (default 64)")
    int clueTokens;

    @Option(names = "--gist-chunk-tokens", defaultValue = "1024", description = "Lite gist chunk size (default 1024)")
    int gistChunkTokens;

    @Option(names = "--gist-tokens", defaultValue = "128", description = "Lite tokens per gist (default 128)")
    int gistTokens;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or auto (default cpu)")
    String device;

    @Option(names = "--seed", defaultValue = "13", description = "shuffle seed for multi-hop documents")
    long seed;

    @Option(names = "--out", description = "also write the JSON report to this file")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** One question with the document it is asked about. */
    record Item(String id, String question, List<String> answers, String documentId) { }

    /** A slice: its documents (id to text) and questions in order. */
    record Slice(String name, Map<String, String> documents, List<Item> items) { }

    @Override
    public void run() {
        if (limit <= 0 || group <= 0) {
            throw new InvalidInputException("--limit and --group must be > 0, were " + limit + ", " + group);
        }
        for (String m : methods) {
            if (!List.of("rag", "lite", "full").contains(m)) {
                throw new InvalidInputException("--methods: unknown method '" + m + "' (rag, lite, full)");
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        RuntimeOptions rt = RuntimeOptions.DEFAULT.withDevice(RuntimeOptions.DeviceChoice.valueOf(
                device.toUpperCase(Locale.ROOT)));
        ObjectNode report = RetrievalEvalSupport.JSON.createObjectNode();
        report.put("model", model);
        report.put("chunk_tokens", chunkTokens);
        report.put("answer_tokens", answerTokens);
        report.put("clue_tokens", clueTokens);
        report.put("gist_chunk_tokens", gistChunkTokens);
        report.put("gist_tokens", gistTokens);
        report.put("load_average_start", ProcessStats.loadAverage());
        ObjectNode results = report.putObject("slices");
        List<String[]> table = new ArrayList<>();
        try (LocalGenerator gen = LocalGenerator.builder().modelDirectory(Path.of(model)).runtimeOptions(rt).build()) {
            for (String name : slices) {
                Slice slice = load(name.strip());
                ObjectNode s = results.putObject(slice.name());
                s.put("documents", slice.documents().size());
                for (String method : methods) {
                    long t0 = System.nanoTime();
                    ObjectNode m = evaluate(slice, method, gen, err);
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    m.put("seconds", RetrievalEvalSupport.round(seconds));
                    s.set(method, m);
                    String[] row = {slice.name(), method, fmt(m.path("em")), fmt(m.path("f1")),
                        m.path("n").asText(), String.format(Locale.ROOT, "%.1f", seconds),
                        String.format(Locale.ROOT, "%.1f", seconds / Math.max(1, m.path("n").asInt()))};
                    table.add(row);
                    // Long runs: each method's line as soon as it is known, before the report at the end.
                    err.println("result: " + String.join(" | ", row));
                    err.flush();
                }
            }
        }
        report.put("load_average_end", ProcessStats.loadAverage());
        ArrayNode t = report.putArray("table");
        table.forEach(row -> {
            ArrayNode r = t.addArray();
            for (String c : row) {
                r.add(c);
            }
        });
        RetrievalEvalSupport.report(spec.commandLine().getOut(), report, out);
        PrintWriter o = spec.commandLine().getOut();
        o.println(markdown(table));
        o.flush();
    }

    private static String fmt(JsonNode v) {
        return v.isNumber() ? String.format(Locale.ROOT, "%.3f", v.asDouble()) : "-";
    }

    /** The readable table: slice, method, EM, F1, n, seconds, seconds per question. */
    static String markdown(List<String[]> rows) {
        StringBuilder b = new StringBuilder("| slice | method | EM | F1 | n | seconds | s/question |\n");
        b.append("|---|---|---|---|---|---|---|\n");
        for (String[] r : rows) {
            b.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        return b.toString();
    }

    private ObjectNode evaluate(Slice slice, String method, LocalGenerator gen, PrintWriter err) {
        double em = 0;
        double f1 = 0;
        int n = 0;
        int skipped = 0;
        ArrayNode answers = RetrievalEvalSupport.JSON.createArrayNode();
        Map<String, List<Item>> byDoc = new LinkedHashMap<>();
        slice.items().forEach(i -> byDoc.computeIfAbsent(i.documentId(), k -> new ArrayList<>()).add(i));
        Prompts prompts = Prompts.forLanguage(Language.EN);
        QueryOptions q = QueryOptions.builder().answerTokens(answerTokens).clueTokens(clueTokens).build();
        for (Map.Entry<String, List<Item>> e : byDoc.entrySet()) {
            String doc = slice.documents().get(e.getKey());
            List<String> predictions = new ArrayList<>();
            if (method.equals("full")) {
                for (Item item : e.getValue()) {
                    String prompt = prompts.ragAnswer(doc, item.question());
                    if (gen.count(prompt) + answerTokens + 16 > gen.contextTokens()) {
                        predictions.add(null);
                        continue;
                    }
                    GenerationResult r = gen.generate(List.of(ChatMessage.user(prompt)),
                            GenerationOptions.builder().maxNewTokens(answerTokens).build());
                    predictions.add(r.text().strip());
                }
            } else {
                predictions.addAll(viaPipeline(method, gen, e.getKey(), doc, e.getValue(), q));
            }
            for (int i = 0; i < predictions.size(); i++) {
                Item item = e.getValue().get(i);
                String p = predictions.get(i);
                ObjectNode a = answers.addObject();
                a.put("id", item.id());
                if (p == null) {
                    skipped++;
                    a.put("skipped", "document does not fit the generator's window");
                    continue;
                }
                double qem = AnswerScores.exactMatch(p, item.answers());
                double qf1 = AnswerScores.f1(p, item.answers());
                em += qem;
                f1 += qf1;
                n++;
                a.put("prediction", p);
                a.put("em", qem);
                a.put("f1", RetrievalEvalSupport.round(qf1));
            }
            err.printf("%s %s: %d/%d questions%n", slice.name(), method, n + skipped, slice.items().size());
            err.flush();
        }
        ObjectNode m = RetrievalEvalSupport.JSON.createObjectNode();
        m.put("n", n);
        m.put("skipped", skipped);
        if (n > 0) {
            m.put("em", RetrievalEvalSupport.round(em / n));
            m.put("f1", RetrievalEvalSupport.round(f1 / n));
        }
        m.set("answers", answers);
        return m;
    }

    /** Plain RAG or MemoRAG-Lite through the facade, memorising {@code doc} once for its questions. */
    private List<String> viaPipeline(String method, LocalGenerator gen, String docId, String doc, List<Item> items,
            QueryOptions q) {
        Generator shared = new Unowned(gen);
        MemoRAGBuilder b = MemoRAG.builder().generator(shared).generatorTokenCounter(gen.tokenizer())
                .chunkTokens(chunkTokens).language(Language.EN);
        boolean lite = method.equals("lite");
        if (lite) {
            b.memoryModel(GistMemoryModel.builder().generator(shared).chunkTokens(gistChunkTokens)
                    .gistTokens(gistTokens).build());
        }
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("memorag-eval-qa");
            List<String> out = new ArrayList<>();
            try (MemoRAG rag = b.build()) {
                rag.memorize(List.of(new Document(docId, doc)), tmp.resolve("memory"));
                for (Item item : items) {
                    out.add(rag.ask(item.question(), lite ? TaskType.MEMORY_QA : TaskType.RAG, q, TokenListener.NONE)
                            .answer().text());
                }
            }
            return out;
        } catch (IOException e) {
            throw new InvalidInputException("cannot create a temporary directory: " + e.getMessage());
        } finally {
            if (tmp != null) {
                try {
                    FileTrees.deleteRecursively(tmp);
                } catch (IOException e) {
                    // a leftover temporary save does not affect the scores
                }
            }
        }
    }

    /** The shared generator, handed to pipelines that close what they are given. */
    private record Unowned(LocalGenerator gen) implements Generator {
        @Override
        public GenerationResult generate(List<ChatMessage> messages, GenerationOptions options, TokenListener l) {
            return gen.generate(messages, options, l);
        }

        @Override
        public String id() {
            return gen.id();
        }

        @Override
        public int contextTokens() {
            return gen.contextTokens();
        }
    }

    private Slice load(String name) {
        return switch (name) {
            case "bookqa" -> bookqa();
            case "musique", "hotpotqa" -> multihop(name);
            default -> throw new InvalidInputException("--slices: unknown slice '" + name
                    + "' (bookqa, musique, hotpotqa)");
        };
    }

    private Slice bookqa() {
        Path bookFile = data.resolve("bookqa/japanese_fairy_tales.txt");
        Path qFile = data.resolve("bookqa/japanese_fairy_tales_questions.jsonl");
        String book;
        try {
            book = Files.readString(bookFile);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + bookFile + ": " + e.getMessage());
        }
        List<JsonNode> all = RetrievalEvalSupport.readJsonl(qFile, "questions");
        List<JsonNode> chosen = all.subList(0, Math.min(limit, all.size()));
        // A story's document spans all gold sections of all its questions in the file, not only the chosen ones.
        Map<String, int[]> spans = new LinkedHashMap<>();
        for (JsonNode qn : all) {
            int[] s = spans.computeIfAbsent(qn.path("story").asText(), k -> new int[] {Integer.MAX_VALUE, 0});
            for (JsonNode g : qn.path("gold_sections")) {
                s[0] = Math.min(s[0], g.path("char_start").asInt());
                s[1] = Math.max(s[1], g.path("char_end").asInt());
            }
        }
        Map<String, String> docs = new LinkedHashMap<>();
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < chosen.size(); i++) {
            JsonNode qn = chosen.get(i);
            String story = qn.path("story").asText();
            int[] s = spans.get(story);
            if (s[0] >= s[1] || s[1] > book.length()) {
                throw new InvalidInputException(qFile + ": record " + (i + 1) + " has bad gold sections");
            }
            docs.putIfAbsent(story, book.substring(s[0], s[1]));
            items.add(new Item(qn.path("id").asText(), RetrievalEvalSupport.text(qn, qFile, i, "question"),
                    answers(qn, qFile, i), story));
        }
        return new Slice("bookqa", docs, items);
    }

    private Slice multihop(String name) {
        Path corpusFile = data.resolve("multihop/" + name + "_corpus.jsonl");
        Path qFile = data.resolve("multihop/" + name + "_questions.jsonl");
        Map<String, String> passages = new LinkedHashMap<>();
        List<JsonNode> corpus = RetrievalEvalSupport.readJsonl(corpusFile, "corpus");
        for (int i = 0; i < corpus.size(); i++) {
            JsonNode p = corpus.get(i);
            passages.put(p.path("id").asText(), RetrievalEvalSupport.text(p, corpusFile, i, "title") + "\n"
                    + RetrievalEvalSupport.text(p, corpusFile, i, "text"));
        }
        List<JsonNode> all = RetrievalEvalSupport.readJsonl(qFile, "questions");
        List<JsonNode> chosen = all.subList(0, Math.min(limit, all.size()));
        Map<String, String> docs = new LinkedHashMap<>();
        List<Item> items = new ArrayList<>();
        Random rnd = new Random(seed);
        for (int start = 0; start < chosen.size(); start += group) {
            String docId = name + "#" + (start / group);
            List<String> texts = new ArrayList<>();
            for (int i = start; i < Math.min(chosen.size(), start + group); i++) {
                JsonNode qn = chosen.get(i);
                for (JsonNode g : qn.path("gold_passage_ids")) {
                    String text = passages.get(g.asText());
                    if (text == null) {
                        throw new InvalidInputException(qFile + ": record " + (i + 1) + " names gold passage '"
                                + g.asText() + "', which " + corpusFile + " does not have");
                    }
                    if (!texts.contains(text)) {
                        texts.add(text);
                    }
                }
                items.add(new Item(qn.path("id").asText(), RetrievalEvalSupport.text(qn, qFile, i, "question"),
                        answers(qn, qFile, i), docId));
            }
            java.util.Collections.shuffle(texts, rnd);
            docs.put(docId, String.join("\n\n", texts));
        }
        return new Slice(name, docs, items);
    }

    private static List<String> answers(JsonNode qn, Path file, int i) {
        List<String> a = new ArrayList<>();
        qn.path("answers").forEach(x -> a.add(x.asText()));
        if (a.isEmpty()) {
            throw new InvalidInputException(file + ": record " + (i + 1) + " has no 'answers'");
        }
        return a;
    }
}
