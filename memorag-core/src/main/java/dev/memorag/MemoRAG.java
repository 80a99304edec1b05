package dev.memorag;

import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.error.StateException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.chunk.TextChunker;
import dev.memorag.api.Answer;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.Chunk;
import dev.memorag.api.ChunkIndex;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.Document;
import dev.memorag.api.Embedder;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Generator;
import dev.memorag.api.Hit;
import dev.memorag.api.Language;
import dev.memorag.api.MemoryModel;
import dev.memorag.api.MemoryStats;
import dev.memorag.api.ProgressListener;
import dev.memorag.api.TaskType;
import dev.memorag.api.Timings;
import dev.memorag.api.TokenCounter;
import dev.memorag.api.TokenListener;
import dev.memorag.api.TokenUsage;
import dev.memorag.pipeline.ChunkIndexProviders;
import dev.memorag.pipeline.ClueFilter;
import dev.memorag.pipeline.EvidenceFitter;
import dev.memorag.pipeline.MemorizeMode;
import dev.memorag.pipeline.MultiQueryRetrieval;
import dev.memorag.pipeline.PipelineDescriptor;
import dev.memorag.pipeline.PipelineStore;
import dev.memorag.pipeline.QueryOptions;
import dev.memorag.pipeline.QueryResult;
import dev.memorag.pipeline.Recollection;
import dev.memorag.pipeline.TextInputs;
import dev.memorag.prompt.Prompts;
import dev.memorag.spi.ChunkIndexProvider;
import dev.memorag.spi.ProviderOptions;
import dev.memorag.spi.Providers;
import dev.memorag.text.Cl100kTokenCounter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MemoRAG pipeline: memorise documents (chunk, index, read into a memory model, save), then answer queries with
 * memory-produced clues that retrieve evidence for a generator.
 *
 * <pre>{@code
 * try (MemoRAG rag = MemoRAG.builder().memoryModel("path/to/memorag-qwen2-7b-inst").build()) {
 *     rag.memorize(bookText, Path.of("book.memory"));
 *     Answer a = rag.query("Who is the narrator?");
 * }
 * try (MemoRAG rag = MemoRAG.load(Path.of("book.memory"), MemoRAG.builder())) { ... }
 * }</pre>
 *
 * <p><b>Components.</b> Each component is given by reference (resolved through {@link Providers} and
 * {@link ChunkIndexProvider}s on the class path; the pipeline then owns and closes it) or as an instance (the caller
 * keeps ownership and closes it). Without a memory model the pipeline still chunks, indexes and saves, and answers
 * {@link TaskType#RAG} queries; the memory tasks then fail with {@link StateException}.
 *
 * <p><b>Documents.</b> The memory holds an ordered list of documents. {@link #memorize} reads them all (joined by
 * blank lines) into the memory model; {@link #add} appends new documents with {@link MemoryModel#append}, without
 * re-reading what the memory holds (a model that cannot append re-reads everything, with a warning). Because a memory
 * model cannot forget, {@link #remove} drops the document's chunks from the index and then re-memorises the remaining
 * documents (their texts are kept in the save directory for that purpose); with no memory model it costs nothing.
 * Replacing a held memory, or the content of a save directory, requires {@link MemorizeMode#REPLACE}; otherwise
 * {@link StateException}.
 *
 * <p><b>Failures.</b> A failing call never touches the save directory's previous content (saves are written aside and
 * renamed into place). If memorising, adding or removing fails after the in-memory state was changed, the pipeline
 * drops its memory (later queries fail with {@link StateException}); {@link #load} the save directory to continue.
 *
 * <p><b>Thread-safety:</b> thread-safe. A read-write lock guards the pipeline state: queries ({@link #query},
 * {@link #ask}, {@link #recall}, {@link #stats}) take the read lock and run concurrently over one loaded memory (the
 * memory model itself serialises its instructions; the index allows concurrent retrieval); {@link #memorize},
 * {@link #add}, {@link #remove} and {@link #close} take the write lock and wait for running queries.
 */
public final class MemoRAG implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MemoRAG.class);

    /** Default embedder reference for English text (offline, bundled). */
    public static final String DEFAULT_EMBEDDER_EN = "bge-small-en-v1.5-q";
    /** Default embedder reference for Chinese text (offline, bundled). */
    public static final String DEFAULT_EMBEDDER_ZH = "bge-small-zh-v1.5-q";
    /** Default retrieval chunk size for English (MemoRAG: 512 cl100k tokens). */
    public static final int DEFAULT_CHUNK_TOKENS = 512;
    /** Default retrieval chunk size for Chinese (MemoRAG: 2,048). */
    public static final int DEFAULT_CHUNK_TOKENS_ZH = 2048;
    /** Default chunks per retrieval query. */
    public static final int DEFAULT_HITS = 3;
    /** Tokens kept free for the chat template's framing when fitting evidence (role markers, special tokens). */
    static final int TEMPLATE_RESERVE_TOKENS = 16;
    /** The id given to the document of {@link #memorize(String, Path)}. */
    public static final String DEFAULT_DOCUMENT_ID = "doc-1";

    private final Builder config;
    private final ProviderOptions options;
    private final TokenCounter counter;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    // Guarded by lock.
    private MemoryModel memory;
    private boolean ownsMemory;
    private Embedder embedder;
    private boolean ownsEmbedder;
    private String embedderReference;
    private Generator generator;
    private boolean ownsGenerator;
    private ChunkIndex index;
    private ChunkIndexKind indexKind;
    private Language language;
    private int chunkTokens;
    private final List<Document> documents = new ArrayList<>();
    private final Map<String, Integer> documentOrdinal = new HashMap<>();
    private Path saveDir;
    private boolean closed;

    private MemoRAG(Builder config) {
        this.config = config;
        this.options = config.providerOptions();
        this.counter = config.tokenCounter;
        boolean ok = false;
        try {
            if (config.memoryModel != null) {
                memory = config.memoryModel;
            } else if (config.memoryModelRef != null) {
                memory = Providers.memoryModel(config.memoryModelRef, options);
                ownsMemory = true;
            }
            if (config.embedder != null) {
                embedder = config.embedder;
                embedderReference = config.embedder.id();
            } else if (config.embedderRef != null) {
                embedder = Providers.embedder(config.embedderRef, options);
                embedderReference = config.embedderRef;
                ownsEmbedder = true;
            }
            if (config.generator != null) {
                generator = config.generator;
            } else if (config.generatorRef != null) {
                generator = Providers.generator(config.generatorRef, options);
                ownsGenerator = true;
            }
            ok = true;
        } finally {
            if (!ok) {
                closeOwned();
            }
        }
    }

    /** A builder with MemoRAG's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * MemoRAG-Lite: one small chat model (e.g. Qwen2.5-1.5B-Instruct) keeps a gist memory, produces the clues and
     * answers; the default embedder retrieves. The memory model is resolved as {@code lite:<chatModel>}.
     */
    public static Builder lite(String chatModel) {
        Objects.requireNonNull(chatModel, "chatModel");
        return builder().memoryModel("lite:" + chatModel);
    }

    /** MemoRAG-Lite with a gist memory model instance (which also answers, through {@code asGenerator()}). */
    public static Builder lite(MemoryModel gistMemory) {
        return builder().memoryModel(gistMemory);
    }

    /** Loads a saved pipeline with the default configuration (components as recorded in the save). */
    public static MemoRAG load(Path saveDir) {
        return load(saveDir, builder());
    }

    /**
     * Loads a saved pipeline. Components configured on {@code config} are used (the embedder must match the saved
     * one); the others are created from the references recorded in the save. The save directory is only read.
     */
    public static MemoRAG load(Path saveDir, Builder config) {
        MemoRAG rag = config.build();
        try {
            rag.loadFrom(saveDir);
            return rag;
        } catch (RuntimeException e) {
            rag.close();
            throw e;
        }
    }

    // ---------------------------------------------------------------- memorising

    /** Memorises one text as document {@value #DEFAULT_DOCUMENT_ID}; see {@link #memorize(List, Path, MemorizeMode)}. */
    public void memorize(String text, Path saveDir) {
        memorize(text, saveDir, MemorizeMode.FAIL_IF_PRESENT);
    }

    /** Memorises one text as document {@value #DEFAULT_DOCUMENT_ID}; see {@link #memorize(List, Path, MemorizeMode)}. */
    public void memorize(String text, Path saveDir, MemorizeMode mode) {
        TextInputs.requireText("text", text);
        memorize(List.of(new Document(DEFAULT_DOCUMENT_ID, text)), saveDir, mode);
    }

    /** Memorises documents, failing if a different memory is held; see {@link #memorize(List, Path, MemorizeMode)}. */
    public void memorize(List<Document> docs, Path saveDir) {
        memorize(docs, saveDir, MemorizeMode.FAIL_IF_PRESENT);
    }

    /**
     * Chunks, indexes and memorises {@code docs} (in order), then saves atomically into {@code saveDir} (or keeps
     * everything in memory only when {@code saveDir} is null). Memorising exactly the documents already held is a
     * no-op (apart from saving to a new directory).
     *
     * @throws StateException when a different memory is held, or {@code saveDir} already holds a save, and
     *     {@code mode} is not {@link MemorizeMode#REPLACE}
     * @throws InvalidInputException for empty, blank or binary texts and duplicate document ids
     */
    public void memorize(List<Document> docs, Path saveDir, MemorizeMode mode) {
        Objects.requireNonNull(mode, "mode");
        TextInputs.requireDocuments(docs, Set.of());
        lock.writeLock().lock();
        try {
            requireOpen();
            if (!documents.isEmpty() && documents.equals(docs)) {
                if (saveDir != null && !saveDir.toAbsolutePath().equals(absolute(this.saveDir))) {
                    guardTarget(saveDir, mode);
                    save(saveDir);
                }
                return;
            }
            if (!documents.isEmpty() && mode != MemorizeMode.REPLACE) {
                throw new StateException("this pipeline already holds a memory of " + documents.size()
                        + " document(s)" + (this.saveDir == null ? "" : " saved in " + this.saveDir)
                        + "; memorising a different text needs MemorizeMode.REPLACE (CLI: --replace), "
                        + "or use add() to grow the memory");
            }
            if (saveDir != null) {
                guardTarget(saveDir, mode);
            }
            try {
                memorizeNew(docs, saveDir);
            } catch (RuntimeException e) {
                clearState();
                throw e;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void memorizeNew(List<Document> docs, Path saveDir) {
        long t0 = System.nanoTime();
        Language lang = config.language != null ? config.language : Language.detect(docs.get(0).text());
        int size = config.chunkTokens > 0 ? config.chunkTokens
                : lang == Language.ZH ? DEFAULT_CHUNK_TOKENS_ZH : DEFAULT_CHUNK_TOKENS;
        clearState();
        this.saveDir = null;
        language = lang;
        chunkTokens = size;
        ensureEmbedder(lang);
        List<Chunk> chunks = chunk(docs);
        ChunkIndexProvider provider = config.chunkIndexProvider != null ? config.chunkIndexProvider
                : config.chunkIndexKind != null ? ChunkIndexProviders.require(config.chunkIndexKind)
                : ChunkIndexProviders.defaultProvider();
        index = provider.create(embedder, options);
        indexKind = provider.kind();
        index.add(chunks, config.progress);
        if (memory != null) {
            memory.memorize(joined(docs), prompts(), config.progress);
        }
        setDocuments(docs);
        LOG.info("memorised {} document(s), {} chunks, {} characters in {} ms", docs.size(), chunks.size(),
                totalChars(docs), (System.nanoTime() - t0) / 1_000_000);
        if (saveDir != null) {
            save(saveDir);
        }
    }

    /**
     * Adds documents to the held memory (index and memory model) without re-reading what it holds, and re-saves to
     * the pipeline's save directory if it has one.
     */
    public void add(List<Document> docs) {
        lock.writeLock().lock();
        try {
            requireOpen();
            requireContent();
            TextInputs.requireDocuments(docs, documentOrdinal.keySet());
            try {
                index.add(chunk(docs), config.progress);
                List<Document> all = new ArrayList<>(documents);
                all.addAll(docs);
                if (memory != null) {
                    appendOrRememorise(docs, all);
                }
                setDocuments(all);
                if (saveDir != null) {
                    save(saveDir);
                }
            } catch (RuntimeException e) {
                clearState();
                throw e;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void appendOrRememorise(List<Document> added, List<Document> all) {
        try {
            for (Document d : added) {
                memory.append(d.text(), prompts(), config.progress);
            }
        } catch (UnsupportedFormatException e) {
            LOG.warn("memory model {} cannot append ({}); re-reading all {} documents", memory.id(), e.getMessage(),
                    all.size());
            memory.memorize(joined(all), prompts(), config.progress);
        }
    }

    /**
     * Removes a document: its chunks leave the index; the memory model, which cannot forget, re-memorises the
     * remaining documents. Re-saves to the pipeline's save directory if it has one.
     *
     * @return false when no document has that id (nothing changes)
     * @throws InvalidInputException when it is the only document (memorise a new text with REPLACE instead)
     */
    public boolean remove(String documentId) {
        lock.writeLock().lock();
        try {
            requireOpen();
            requireContent();
            if (!documentOrdinal.containsKey(documentId)) {
                return false;
            }
            if (documents.size() == 1) {
                throw new InvalidInputException("cannot remove document '" + documentId
                        + "': it is the only one; memorise a new text with MemorizeMode.REPLACE instead");
            }
            List<Document> rest = documents.stream().filter(d -> !d.id().equals(documentId)).toList();
            try {
                index.removeDocuments(List.of(documentId));
                if (memory != null) {
                    LOG.warn("removing document '{}': the memory model cannot forget, re-memorising the remaining {} "
                            + "document(s)", documentId, rest.size());
                    memory.memorize(joined(rest), prompts(), config.progress);
                }
                setDocuments(rest);
                if (saveDir != null) {
                    save(saveDir);
                }
            } catch (RuntimeException e) {
                clearState();
                throw e;
            }
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    // ---------------------------------------------------------------- querying

    /** Memory-augmented QA with default options. */
    public Answer query(String query) {
        return query(query, TaskType.MEMORY_QA, QueryOptions.DEFAULTS);
    }

    /** Runs {@code task}; see {@link #ask}. */
    public Answer query(String query, TaskType task, QueryOptions options) {
        return ask(query, task, options, TokenListener.NONE).answer();
    }

    /** Runs {@code task}, streaming the final generation to {@code listener}; see {@link #ask}. */
    public Answer query(String query, TaskType task, QueryOptions options, TokenListener listener) {
        return ask(query, task, options, listener).answer();
    }

    /** Summarises the memorised text ({@link TaskType#SUMMARIZE}). */
    public Answer summarize() {
        return query("", TaskType.SUMMARIZE, QueryOptions.DEFAULTS);
    }

    /**
     * Runs one task and reports what was fitted. The final generation streams to {@code listener}; memory
     * instructions do not stream. {@code query} is ignored (may be empty) for {@link TaskType#SUMMARIZE}.
     *
     * @throws StateException when nothing is memorised or loaded, or the task needs a component that is not
     *     configured
     */
    public QueryResult ask(String query, TaskType task, QueryOptions options, TokenListener listener) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(listener, "listener");
        if (task != TaskType.SUMMARIZE && (query == null || query.isBlank())) {
            throw new InvalidInputException("query must not be blank");
        }
        lock.readLock().lock();
        try {
            requireOpen();
            requireContent();
            return switch (task) {
                case MEMORY_QA -> memoryQa(query, options, listener);
                case MEMORY_ONLY_QA -> memoryOnlyQa(query, options, listener);
                case SUMMARIZE -> summarize(options, listener);
                case RAG -> rag(query, options, listener);
            };
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * What the memory recalls for {@code query} and the evidence it retrieves, without generating an answer. Without
     * a memory model the clues are empty and the query alone retrieves.
     */
    public Recollection recall(String query, QueryOptions options) {
        if (query == null || query.isBlank()) {
            throw new InvalidInputException("query must not be blank");
        }
        lock.readLock().lock();
        try {
            requireOpen();
            requireContent();
            Stages stages = new Stages(options);
            Clues clues = memory == null ? new Clues(List.of(), "") : clues(query, options, stages);
            List<Hit> evidence = retrieve(query, clues.clues, options, stages);
            return new Recollection(query, clues.clues, clues.draft, evidence, stages.timings(), stages.usage);
        } finally {
            lock.readLock().unlock();
        }
    }

    private QueryResult memoryQa(String query, QueryOptions options, TokenListener listener) {
        requireMemory(TaskType.MEMORY_QA);
        Generator gen = requireGenerator(TaskType.MEMORY_QA);
        Stages stages = new Stages(options);
        Clues clues = clues(query, options, stages);
        List<Hit> evidence = retrieve(query, clues.clues, options, stages);
        String draftPassage = clues.draft.isBlank() ? null : prompts().draftAnswer(clues.draft.strip());
        return generate(TaskType.MEMORY_QA, query, clues.clues, evidence, draftPassage, gen, options, listener,
                stages);
    }

    private QueryResult memoryOnlyQa(String query, QueryOptions options, TokenListener listener) {
        requireMemory(TaskType.MEMORY_ONLY_QA);
        Stages stages = new Stages(options);
        GenerationResult r = stages.time("answer", () -> memory.instruct(prompts().answer(query),
                greedy(options.answerTokens(), options), listener));
        stages.usage = stages.usage.plus(r.usage());
        Answer a = new Answer(r.text().strip(), TaskType.MEMORY_ONLY_QA, List.of(), List.of(), stages.timings(),
                stages.usage);
        return new QueryResult(a, 0, 0, false, List.of());
    }

    private QueryResult summarize(QueryOptions options, TokenListener listener) {
        requireMemory(TaskType.SUMMARIZE);
        Generator gen = requireGenerator(TaskType.SUMMARIZE);
        Stages stages = new Stages(options);
        GenerationResult kp = stages.time("key_points", () -> memory.instruct(prompts().keyPoints(),
                greedy(options.keyPointTokens(), options), TokenListener.NONE));
        stages.usage = stages.usage.plus(kp.usage());
        List<String> points = new ClueFilter(language).filter(List.of(kp.text()));
        List<Hit> evidence;
        if (points.isEmpty()) {
            stages.warnings.add("the memory produced no usable key points; summarising the text from its beginning");
            LOG.warn(stages.warnings.get(stages.warnings.size() - 1));
            evidence = index.chunks().stream().map(c -> new Hit(c, 0.0)).toList();
        } else {
            evidence = stages.time("retrieval", () -> multiQuery(options).retrieve(points, index::retrieveAll,
                    documentOrdinal::get));
        }
        return generate(TaskType.SUMMARIZE, "", points, evidence, null, gen, options, listener, stages);
    }

    private QueryResult rag(String query, QueryOptions options, TokenListener listener) {
        Generator gen = requireGenerator(TaskType.RAG);
        Stages stages = new Stages(options);
        List<Hit> evidence = retrieve(query, List.of(), options, stages);
        return generate(TaskType.RAG, query, List.of(), evidence, null, gen, options, listener, stages);
    }

    /** Recall spans, surrogate questions and (optionally) a draft answer from the memory, filtered into clues. */
    private Clues clues(String query, QueryOptions options, Stages stages) {
        GenerationOptions gen = greedy(options.clueTokens(), options);
        GenerationResult recall = stages.time("recall", () -> memory.instruct(prompts().recall(query), gen,
                TokenListener.NONE));
        GenerationResult rewrite = stages.time("rewrite", () -> memory.instruct(prompts().rewrite(query), gen,
                TokenListener.NONE));
        stages.usage = stages.usage.plus(recall.usage()).plus(rewrite.usage());
        String draft = "";
        if (options.draftAnswer()) {
            GenerationResult d = stages.time("draft", () -> memory.instruct(prompts().answer(query), gen,
                    TokenListener.NONE));
            stages.usage = stages.usage.plus(d.usage());
            draft = d.text();
        }
        List<String> clues = new ClueFilter(language).filter(List.of(recall.text(), rewrite.text()));
        clues.removeIf(c -> c.equals(query.strip()));
        return new Clues(clues, draft);
    }

    /** Clues plus the original query, last, as MemoRAG does. */
    private List<Hit> retrieve(String query, List<String> clues, QueryOptions options, Stages stages) {
        List<String> queries = new ArrayList<>(clues);
        queries.add(query);
        return stages.time("retrieval", () -> multiQuery(options).retrieve(queries, index::retrieveAll,
                documentOrdinal::get));
    }

    private MultiQueryRetrieval multiQuery(QueryOptions options) {
        return new MultiQueryRetrieval(options.hits() > 0 ? options.hits() : config.hits, options.order());
    }

    private QueryResult generate(TaskType task, String query, List<String> clues, List<Hit> evidence,
            String draftPassage, Generator gen, QueryOptions options, TokenListener listener, Stages stages) {
        Prompts prompts = prompts();
        TokenCounter counter = fittingCounter(gen);
        String emptyPrompt = task == TaskType.SUMMARIZE ? prompts.summarize("") : prompts.ragAnswer("", query);
        int overhead = counter.count(emptyPrompt) + TEMPLATE_RESERVE_TOKENS
                + (draftPassage == null ? 0 : counter.count(draftPassage) + counter.count(EvidenceFitter.SEPARATOR));
        int budget = Integer.MAX_VALUE;
        if (gen.contextTokens() != Integer.MAX_VALUE) {
            long b = (long) gen.contextTokens() - overhead - options.answerTokens();
            if (b <= 0) {
                throw new InvalidInputException("generator " + gen.id() + " accepts " + gen.contextTokens()
                        + " tokens, but the prompt needs " + overhead + " and the answer " + options.answerTokens()
                        + ": lower QueryOptions.answerTokens or use a generator with a longer context");
            }
            budget = (int) b;
        }
        int fitBudget = budget;
        EvidenceFitter.FittedEvidence fitted = stages.time("fit",
                () -> new EvidenceFitter(counter).fit(evidence, fitBudget));
        if (fitted.truncated()) {
            String w = "evidence cut to fit generator " + gen.id() + " (" + gen.contextTokens() + " tokens): kept "
                    + fitted.passages().size() + " of " + evidence.size() + " passages"
                    + (fitted.passageCut() ? ", the only one shortened" : "") + " (" + fitted.tokens() + " tokens)";
            LOG.warn(w);
            stages.warnings.add(w);
        }
        String text = fitted.text();
        if (draftPassage != null) {
            text = text.isEmpty() ? draftPassage : text + EvidenceFitter.SEPARATOR + draftPassage;
        }
        String prompt = task == TaskType.SUMMARIZE ? prompts.summarize(text) : prompts.ragAnswer(text, query);
        stages.cancelCheck();
        GenerationResult r = stages.time("generation", () -> gen.generate(List.of(ChatMessage.user(prompt)),
                greedy(options.answerTokens(), options), listener));
        stages.usage = stages.usage.plus(r.usage());
        Answer answer = new Answer(r.text().strip(), task, clues, fitted.passages(), stages.timings(), stages.usage);
        return new QueryResult(answer, evidence.size(), fitted.dropped(), fitted.truncated(), stages.warnings);
    }

    /**
     * The counter that measures prompts for {@code gen}: the configured one, else the generator itself when it
     * implements {@link TokenCounter} (its own tokenizer), else the pipeline's counter (cl100k by default).
     */
    private TokenCounter fittingCounter(Generator gen) {
        if (config.generatorTokenCounter != null) {
            return config.generatorTokenCounter;
        }
        return gen instanceof TokenCounter own ? own : counter;
    }

    private static GenerationOptions greedy(int maxNewTokens, QueryOptions options) {
        return GenerationOptions.builder().maxNewTokens(maxNewTokens).cancellation(options.cancellation()).build();
    }

    // ---------------------------------------------------------------- state

    /** Whether a memory (index, and memory state if a memory model is configured) is held. */
    public boolean hasMemory() {
        lock.readLock().lock();
        try {
            return !documents.isEmpty();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Ids of the memorised documents, in memory order. */
    public List<String> documentIds() {
        lock.readLock().lock();
        try {
            return documents.stream().map(Document::id).toList();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** All indexed chunks, in insertion order. */
    public List<Chunk> chunks() {
        lock.readLock().lock();
        try {
            requireContent();
            return index.chunks();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The language of the memorised text (detected or configured), or null before anything is memorised. */
    public Language language() {
        lock.readLock().lock();
        try {
            return language;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The memory model's statistics, or null when the pipeline has no memory model or no memory. */
    public MemoryStats memoryStats() {
        lock.readLock().lock();
        try {
            return memory != null && memory.hasMemory() ? memory.stats() : null;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** A short description of the components, for logs and CLI output. */
    public Map<String, String> describe() {
        lock.readLock().lock();
        try {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("memory_model", memory == null ? "none" : memory.id());
            m.put("embedder", embedder == null ? "none" : embedder.id());
            m.put("index", index == null ? "none" : index.describe());
            Generator g = generatorOrNull();
            m.put("generator", g == null ? "none" : g.id());
            m.put("language", language == null ? "unknown" : language.name());
            m.put("chunk_tokens", chunkTokens == 0 ? "unknown" : Integer.toString(chunkTokens));
            return m;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Whether a generator is available (configured, or the memory model answering as one). */
    public boolean hasGenerator() {
        lock.readLock().lock();
        try {
            return generatorOrNull() != null;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The directory this pipeline last saved to or loaded from, or null. */
    public Path saveDirectory() {
        lock.readLock().lock();
        try {
            return saveDir;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Closes the components the pipeline created from references; idempotent. Instances given by the caller stay open. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (index != null) {
                index.close();
                index = null;
            }
            closeOwned();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void closeOwned() {
        if (ownsGenerator && generator != null) {
            generator.close();
        }
        if (ownsEmbedder && embedder != null) {
            embedder.close();
        }
        if (ownsMemory && memory != null) {
            memory.close();
        }
        generator = null;
        embedder = null;
        memory = null;
    }

    // ---------------------------------------------------------------- internals

    private void save(Path dir) {
        long t0 = System.nanoTime();
        PipelineDescriptor d = new PipelineDescriptor(PipelineDescriptor.FORMAT, PipelineDescriptor.VERSION,
                language, chunkTokens, indexKind, index.describe(), embedderReference, embedder.id(),
                embedder.dimension(), memory == null ? null : memoryReference(), memory == null ? null : memory.id(),
                memory == null ? null : memory.stats(), index.chunks().size(),
                PipelineDescriptor.documentInfos(documents));
        PipelineStore.save(dir, d, documents, index, memory, config.progress);
        saveDir = dir;
        LOG.info("saved to {} in {} ms", dir, (System.nanoTime() - t0) / 1_000_000);
    }

    private void loadFrom(Path dir) {
        lock.writeLock().lock();
        try {
            requireOpen();
            PipelineStore.Loaded loaded = PipelineStore.read(dir);
            PipelineDescriptor d = loaded.descriptor();
            language = d.language();
            chunkTokens = d.chunkTokens();
            if (embedder == null) {
                String ref = d.embedderReference() != null ? d.embedderReference() : d.embedderId();
                embedder = Providers.embedder(ref, options);
                embedderReference = ref;
                ownsEmbedder = true;
            }
            ChunkIndexProvider provider = config.chunkIndexProvider != null
                    && config.chunkIndexProvider.kind() == d.indexKind() ? config.chunkIndexProvider
                    : ChunkIndexProviders.require(d.indexKind());
            index = provider.load(loaded.indexDir(), embedder);
            indexKind = d.indexKind();
            if (d.memoryModelId() != null) {
                if (memory == null) {
                    if (d.memoryModelReference() == null) {
                        throw new StateException("save directory " + dir + " holds the memory of model '"
                                + d.memoryModelId() + "' but records no reference to create it: configure the "
                                + "memory model on the builder");
                    }
                    memory = Providers.memoryModel(d.memoryModelReference(), options);
                    ownsMemory = true;
                }
                memory.loadState(loaded.memoryDir());
            } else if (memory != null) {
                LOG.warn("save directory {} was memorised without a memory model; memory tasks are unavailable, "
                        + "RAG works", dir);
                if (ownsMemory) {
                    memory.close();
                }
                memory = null;
                ownsMemory = false;
            }
            setDocuments(loaded.documents());
            saveDir = dir;
        } catch (RuntimeException e) {
            clearState();
            throw e;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private String memoryReference() {
        return config.memoryModelRef;
    }

    private void guardTarget(Path dir, MemorizeMode mode) {
        if (mode != MemorizeMode.REPLACE && PipelineStore.holdsSave(dir)) {
            throw new StateException("save directory " + dir + " already holds a saved memory; load it, or "
                    + "memorise with MemorizeMode.REPLACE (CLI: --replace) to overwrite it");
        }
    }

    private List<Chunk> chunk(List<Document> docs) {
        List<Chunk> out = new ArrayList<>();
        TextChunker chunker = TextChunker.builder().chunkSize(chunkTokens).tokenCounter(counter).build();
        long done = 0;
        long total = totalChars(docs);
        for (Document d : docs) {
            out.addAll(chunker.split(d.id(), d.text()));
            done += d.text().length();
            config.progress.onProgress("chunk", done, total);
        }
        return out;
    }

    private void ensureEmbedder(Language lang) {
        if (config.embedder != null || config.embedderRef != null) {
            return;
        }
        String ref = lang == Language.ZH ? DEFAULT_EMBEDDER_ZH : DEFAULT_EMBEDDER_EN;
        if (embedder != null && ref.equals(embedderReference)) {
            return;
        }
        if (embedder != null && ownsEmbedder) {
            embedder.close();
        }
        embedder = null;
        embedder = Providers.embedder(ref, options);
        embedderReference = ref;
        ownsEmbedder = true;
    }

    private void setDocuments(List<Document> docs) {
        documents.clear();
        documents.addAll(docs);
        documentOrdinal.clear();
        for (int i = 0; i < documents.size(); i++) {
            documentOrdinal.put(documents.get(i).id(), i);
        }
    }

    private void clearState() {
        documents.clear();
        documentOrdinal.clear();
        if (index != null) {
            index.close();
            index = null;
        }
        indexKind = null;
    }

    private static String joined(List<Document> docs) {
        if (docs.size() == 1) {
            return docs.get(0).text();
        }
        StringBuilder sb = new StringBuilder();
        for (Document d : docs) {
            if (sb.length() > 0) {
                sb.append("\n\n");
            }
            sb.append(d.text());
        }
        return sb.toString();
    }

    private static long totalChars(List<Document> docs) {
        return docs.stream().mapToLong(d -> d.text().length()).sum();
    }

    private static Path absolute(Path p) {
        return p == null ? null : p.toAbsolutePath();
    }

    private Prompts prompts() {
        Prompts p = Prompts.forLanguage(language == null ? Language.EN : language);
        for (Map.Entry<Prompts.Template, String> e : config.promptOverrides.entrySet()) {
            p = p.with(e.getKey(), e.getValue());
        }
        return p;
    }

    private Generator generatorOrNull() {
        if (generator != null) {
            return generator;
        }
        return memory == null ? null : memory.asGenerator();
    }

    private void requireOpen() {
        if (closed) {
            throw new StateException("this MemoRAG pipeline is closed");
        }
    }

    private void requireContent() {
        if (documents.isEmpty() || index == null) {
            throw new StateException("nothing is memorised: call memorize(...) or MemoRAG.load(saveDir) first");
        }
    }

    private void requireMemory(TaskType task) {
        if (memory == null) {
            throw new StateException(task + " needs a memory model, and "
                    + (saveDir == null ? "none is configured (builder.memoryModel, CLI --memory-model)"
                            : "the memory in " + saveDir + " was built without one (memorise again with a memory "
                            + "model, CLI: memorize --memory-model REF)")
                    + "; TaskType.RAG (CLI: --task rag) works without one");
        }
        if (!memory.hasMemory()) {
            throw new StateException("memory model " + memory.id() + " holds no memory: memorize or load first");
        }
    }

    private Generator requireGenerator(TaskType task) {
        Generator g = generatorOrNull();
        if (g == null) {
            throw new StateException(task + " needs a generator, and none is configured (builder.generator, CLI "
                    + "--generator; a memory model that can answer is used by default)");
        }
        return g;
    }

    /** Clues and the draft answer from the memory. */
    private record Clues(List<String> clues, String draft) {
    }

    /** Per-call timings, token usage and warnings (one query, one thread). */
    private static final class Stages {
        private final Map<String, Duration> timings = new LinkedHashMap<>();
        private final QueryOptions options;
        private final List<String> warnings = new ArrayList<>();
        private TokenUsage usage = TokenUsage.ZERO;

        Stages(QueryOptions options) {
            this.options = options;
        }

        <T> T time(String stage, Supplier<T> work) {
            cancelCheck();
            long t0 = System.nanoTime();
            T out = work.get();
            timings.merge(stage, Duration.ofNanos(System.nanoTime() - t0), Duration::plus);
            return out;
        }

        void cancelCheck() {
            options.cancellation().throwIfCancelled("query");
        }

        Timings timings() {
            return new Timings(timings);
        }
    }

    /**
     * Configuration of a {@link MemoRAG} pipeline. Each component is a reference (resolved through the providers on
     * the class path when {@link #build} runs) or an instance; the last call for a component wins.
     *
     * <p>Defaults: no memory model (RAG only) unless one is set; the embedder {@value #DEFAULT_EMBEDDER_EN} or
     * {@value #DEFAULT_EMBEDDER_ZH} by the text's language; a hybrid chunk index when a provider exists, else dense;
     * the memory model as generator; 512-token chunks (2,048 for Chinese); 3 hits per clue; language detected with
     * {@link Language#detect}; the built-in prompts.
     *
     * <p>Thread-safety: not thread-safe; {@link #build} copies it, so the built pipeline never sees later changes.
     */
    public static final class Builder {
        private MemoryModel memoryModel;
        private String memoryModelRef;
        private Embedder embedder;
        private String embedderRef;
        private ChunkIndexKind chunkIndexKind;
        private ChunkIndexProvider chunkIndexProvider;
        private Generator generator;
        private String generatorRef;
        private int chunkTokens;
        private int hits = DEFAULT_HITS;
        private Integer beaconRatio;
        private Language language;
        private Map<Prompts.Template, String> promptOverrides = new EnumMap<>(Prompts.Template.class);
        private String device;
        private boolean allowDownload;
        private Map<String, String> extraOptions = new LinkedHashMap<>();
        private ProgressListener progress = ProgressListener.NONE;
        private TokenCounter tokenCounter = Cl100kTokenCounter.INSTANCE;
        private TokenCounter generatorTokenCounter;

        private Builder() {
        }

        private Builder(Builder b) {
            memoryModel = b.memoryModel;
            memoryModelRef = b.memoryModelRef;
            embedder = b.embedder;
            embedderRef = b.embedderRef;
            chunkIndexKind = b.chunkIndexKind;
            chunkIndexProvider = b.chunkIndexProvider;
            generator = b.generator;
            generatorRef = b.generatorRef;
            chunkTokens = b.chunkTokens;
            hits = b.hits;
            beaconRatio = b.beaconRatio;
            language = b.language;
            promptOverrides = new EnumMap<>(Prompts.Template.class);
            promptOverrides.putAll(b.promptOverrides);
            device = b.device;
            allowDownload = b.allowDownload;
            extraOptions = new LinkedHashMap<>(b.extraOptions);
            progress = b.progress;
            tokenCounter = b.tokenCounter;
            generatorTokenCounter = b.generatorTokenCounter;
        }

        /** The memory model by reference (path, hub id, {@code lite:<chat model>}, ...), owned by the pipeline. */
        public Builder memoryModel(String reference) {
            memoryModelRef = requireReference("memory model", reference);
            memoryModel = null;
            return this;
        }

        /** A memory model instance; the caller keeps ownership. */
        public Builder memoryModel(MemoryModel model) {
            memoryModel = Objects.requireNonNull(model, "model");
            memoryModelRef = null;
            return this;
        }

        /** The embedder by reference (overrides the language default), owned by the pipeline. */
        public Builder embedder(String reference) {
            embedderRef = requireReference("embedder", reference);
            embedder = null;
            return this;
        }

        /** An embedder instance; the caller keeps ownership. */
        public Builder embedder(Embedder instance) {
            embedder = Objects.requireNonNull(instance, "embedder");
            embedderRef = null;
            return this;
        }

        /** The chunk index kind, resolved through the {@link ChunkIndexProvider}s on the class path. */
        public Builder chunkIndex(ChunkIndexKind kind) {
            chunkIndexKind = Objects.requireNonNull(kind, "kind");
            chunkIndexProvider = null;
            return this;
        }

        /** A chunk index provider to create (and reload) the index with. */
        public Builder chunkIndex(ChunkIndexProvider provider) {
            chunkIndexProvider = Objects.requireNonNull(provider, "provider");
            chunkIndexKind = null;
            return this;
        }

        /** The generator by reference (e.g. {@code openai:gpt-4o-mini}), owned by the pipeline. */
        public Builder generator(String reference) {
            generatorRef = requireReference("generator", reference);
            generator = null;
            return this;
        }

        /** A generator instance; the caller keeps ownership. */
        public Builder generator(Generator instance) {
            generator = Objects.requireNonNull(instance, "generator");
            generatorRef = null;
            return this;
        }

        /** Retrieval chunk size in tokens (default 512, 2,048 for Chinese). */
        public Builder chunkTokens(int tokens) {
            if (tokens <= 0) {
                throw new InvalidInputException("chunkTokens must be > 0, was " + tokens);
            }
            chunkTokens = tokens;
            return this;
        }

        /** Chunks retrieved per clue and for the query (default 3). */
        public Builder hitsPerClue(int hitsPerClue) {
            if (hitsPerClue <= 0) {
                throw new InvalidInputException("hitsPerClue must be > 0, was " + hitsPerClue);
            }
            hits = hitsPerClue;
            return this;
        }

        /** Beacon compression ratio, passed to the memory model provider as {@link ProviderOptions#BEACON_RATIO}. */
        public Builder beaconRatio(int ratio) {
            if (ratio <= 0) {
                throw new InvalidInputException("beaconRatio must be > 0, was " + ratio);
            }
            beaconRatio = ratio;
            return this;
        }

        /** Fixes the language instead of detecting it from the text. */
        public Builder language(Language lang) {
            language = Objects.requireNonNull(lang, "language");
            return this;
        }

        /** Overrides one prompt template (for whichever language is used); placeholders as in the built-in one. */
        public Builder prompt(Prompts.Template template, String text) {
            Objects.requireNonNull(template, "template");
            Objects.requireNonNull(text, "text");
            for (String p : placeholders(template)) {
                Prompts.requirePlaceholders(template.name().toLowerCase(java.util.Locale.ROOT), text, p);
            }
            promptOverrides.put(template, text);
            return this;
        }

        /** {@code cpu}, {@code gpu} or {@code auto}, passed to providers as {@link ProviderOptions#DEVICE}. */
        public Builder device(String deviceName) {
            device = requireReference("device", deviceName);
            return this;
        }

        /** Allows providers to download models from the hub ({@link ProviderOptions#DOWNLOAD}); default false. */
        public Builder allowDownload(boolean allow) {
            allowDownload = allow;
            return this;
        }

        /** Any other provider option (documented by each provider). */
        public Builder option(String key, String value) {
            extraOptions.put(requireReference("option key", key), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Receives progress of memorising ({@code chunk}, embedding, {@code memorize}, {@code save} stages). */
        public Builder progress(ProgressListener listener) {
            progress = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The token counter for retrieval chunk sizes (default cl100k, as MemoRAG). */
        public Builder tokenCounter(TokenCounter tokens) {
            tokenCounter = Objects.requireNonNull(tokens, "tokenCounter");
            return this;
        }

        /**
         * The generator's own token counter, used to fit evidence into its window. Default: the generator itself
         * when it implements {@link TokenCounter}, else the chunking counter (cl100k), which is close for
         * Qwen/Llama-style BPE tokenizers but not exact.
         */
        public Builder generatorTokenCounter(TokenCounter tokens) {
            generatorTokenCounter = Objects.requireNonNull(tokens, "generatorTokenCounter");
            return this;
        }

        /** Creates the configured components and returns an empty pipeline. */
        public MemoRAG build() {
            return new MemoRAG(new Builder(this));
        }

        /** Builds and loads {@code saveDir}; see {@link MemoRAG#load(Path, Builder)}. */
        public MemoRAG load(Path saveDir) {
            return MemoRAG.load(saveDir, this);
        }

        ProviderOptions providerOptions() {
            Map<String, String> m = new LinkedHashMap<>(extraOptions);
            if (device != null) {
                m.put(ProviderOptions.DEVICE, device);
            }
            if (allowDownload) {
                m.put(ProviderOptions.DOWNLOAD, "true");
            }
            if (beaconRatio != null) {
                m.put(ProviderOptions.BEACON_RATIO, beaconRatio.toString());
            }
            return new ProviderOptions(m);
        }

        private static String requireReference(String what, String value) {
            if (value == null || value.isBlank()) {
                throw new InvalidInputException(what + " must not be blank");
            }
            return value;
        }

        private static List<String> placeholders(Prompts.Template t) {
            return switch (t) {
                case CONTEXT -> List.of("context");
                case RECALL, REWRITE, ANSWER -> List.of("question");
                case RAG_ANSWER -> List.of("context", "question");
                case SUMMARIZE -> List.of("context");
                case GIST -> List.of("text");
                case DRAFT_ANSWER -> List.of("answer");
                case CONTEXT_ACK, KEY_POINTS -> List.of();
            };
        }
    }
}
