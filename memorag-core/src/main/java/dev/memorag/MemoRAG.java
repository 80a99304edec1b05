package dev.memorag;

import dev.memorag.api.Answer;
import dev.memorag.api.Chunk;
import dev.memorag.api.Document;
import dev.memorag.api.Generator;
import dev.memorag.api.Language;
import dev.memorag.api.MemoryModel;
import dev.memorag.api.MemoryStats;
import dev.memorag.api.TaskType;
import dev.memorag.api.TokenListener;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.internal.PipelineConfig;
import dev.memorag.internal.PipelineState;
import dev.memorag.internal.QueryTask;
import dev.memorag.internal.RecallTask;
import dev.memorag.pipeline.MemorizeMode;
import dev.memorag.pipeline.QueryOptions;
import dev.memorag.pipeline.QueryResult;
import dev.memorag.pipeline.Recollection;
import dev.memorag.pipeline.TextInputs;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

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
 * <p><b>Components.</b> Each component is given by reference (resolved through {@link dev.memorag.spi.Providers} and
 * {@link dev.memorag.spi.ChunkIndexProvider}s on the class path; the pipeline then owns and closes it) or as an instance (the caller
 * keeps ownership and closes it). Without a memory model the pipeline still chunks, indexes and saves, and answers
 * {@link TaskType#RAG} queries and {@link TaskType#SUMMARIZE} (from the text's beginning, without key points); the
 * memory QA tasks then fail with {@link StateException}. Without a generator, {@link #recall} still retrieves the
 * evidence a generator would answer from.
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
 * <p><b>Structure.</b> The builder freezes a {@link PipelineConfig}; a {@link PipelineState} owns the components and
 * the documents; each {@link TaskType} is one {@link QueryTask} class, and the generating ones share one
 * prompt-budget and evidence-fitting stage. This class only takes the lock and delegates.
 *
 * <p><b>Thread-safety:</b> thread-safe. A read-write lock guards the pipeline state: queries ({@link #query},
 * {@link #ask}, {@link #recall}, {@link #stats}) take the read lock and run concurrently over one loaded memory (the
 * memory model itself serialises its instructions; the index allows concurrent retrieval); {@link #memorize},
 * {@link #add}, {@link #remove} and {@link #close} take the write lock and wait for running queries.
 */
public final class MemoRAG implements AutoCloseable {
    /** Default embedder reference for English text (offline, bundled). */
    public static final String DEFAULT_EMBEDDER_EN = PipelineConfig.DEFAULT_EMBEDDER_EN;
    /** Default embedder reference for Chinese text (offline, bundled). */
    public static final String DEFAULT_EMBEDDER_ZH = PipelineConfig.DEFAULT_EMBEDDER_ZH;
    /** Default retrieval chunk size for English (MemoRAG: 512 cl100k tokens). */
    public static final int DEFAULT_CHUNK_TOKENS = PipelineConfig.DEFAULT_CHUNK_TOKENS;
    /** Default retrieval chunk size for Chinese (MemoRAG: 2,048). */
    public static final int DEFAULT_CHUNK_TOKENS_ZH = PipelineConfig.DEFAULT_CHUNK_TOKENS_ZH;
    /** Default chunks per retrieval query. */
    public static final int DEFAULT_HITS = PipelineConfig.DEFAULT_HITS;
    /** The id given to the document of {@link #memorize(String, Path)}. */
    public static final String DEFAULT_DOCUMENT_ID = "doc-1";

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final PipelineState state;

    MemoRAG(PipelineConfig config) {
        state = new PipelineState(config);
    }

    /** A builder with MemoRAG's defaults. */
    public static MemoRAGBuilder builder() {
        return new MemoRAGBuilder();
    }

    /**
     * MemoRAG-Lite: one small chat model (e.g. Qwen2.5-1.5B-Instruct) keeps a gist memory, produces the clues and
     * answers; the default embedder retrieves. The memory model is resolved as {@code lite:<chatModel>}.
     */
    public static MemoRAGBuilder lite(String chatModel) {
        Objects.requireNonNull(chatModel, "chatModel");
        return builder().memoryModel("lite:" + chatModel);
    }

    /** MemoRAG-Lite with a gist memory model instance (which also answers, through {@code asGenerator()}). */
    public static MemoRAGBuilder lite(MemoryModel gistMemory) {
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
    public static MemoRAG load(Path saveDir, MemoRAGBuilder config) {
        MemoRAG rag = config.build();
        try {
            rag.write(() -> rag.state.load(saveDir));
            return rag;
        } catch (RuntimeException e) {
            rag.close();
            throw e;
        }
    }

    // ---------------------------------------------------------------- documents

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
        write(() -> state.memorize(docs, saveDir, mode));
    }

    /**
     * Adds documents to the held memory (index and memory model) without re-reading what it holds, and re-saves to
     * the pipeline's save directory if it has one.
     */
    public void add(List<Document> docs) {
        write(() -> state.add(docs));
    }

    /**
     * Removes a document: its chunks leave the index; the memory model, which cannot forget, re-memorises the
     * remaining documents. Re-saves to the pipeline's save directory if it has one.
     *
     * @return false when no document has that id (nothing changes)
     * @throws InvalidInputException when it is the only document (memorise a new text with REPLACE instead)
     */
    public boolean remove(String documentId) {
        boolean[] removed = new boolean[1];
        write(() -> removed[0] = state.remove(documentId));
        return removed[0];
    }

    /**
     * Answers with {@code generator} from now on (a loaded pipeline included); the caller keeps ownership. A
     * generator the pipeline created from a reference is closed.
     */
    public void attachGenerator(Generator generator) {
        write(() -> state.attachGenerator(generator, false));
    }

    /** Answers with the generator {@code reference} names from now on, created and owned by the pipeline. */
    public void attachGenerator(String reference) {
        write(() -> state.attachGenerator(reference));
    }

    // ---------------------------------------------------------------- queries

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
        if (task != TaskType.SUMMARIZE) {
            requireQuery(query);
        }
        return read(() -> {
            state.requireContent();
            return QueryTask.of(task).run(state, query, options, listener);
        });
    }

    /**
     * What the memory recalls for {@code query} and the evidence it retrieves, without generating an answer. Without
     * a memory model the clues are empty and the query alone retrieves.
     */
    public Recollection recall(String query, QueryOptions options) {
        requireQuery(query);
        return read(() -> {
            state.requireContent();
            return RecallTask.run(state, query, options);
        });
    }

    private static void requireQuery(String query) {
        if (query == null || query.isBlank()) {
            throw new InvalidInputException("query must not be blank");
        }
    }

    // ---------------------------------------------------------------- state

    /** Whether a memory (index, and memory state if a memory model is configured) is held. */
    public boolean hasMemory() {
        return read(state::hasMemory);
    }

    /** Ids of the memorised documents, in memory order. */
    public List<String> documentIds() {
        return read(state::documentIds);
    }

    /** All indexed chunks, in insertion order. */
    public List<Chunk> chunks() {
        return read(state::chunks);
    }

    /** The language of the memorised text (detected or configured), or null before anything is memorised. */
    public Language language() {
        return read(state::language);
    }

    /** The memory model's statistics, or null when the pipeline has no memory model or no memory. */
    public MemoryStats memoryStats() {
        return read(state::memoryStats);
    }

    /** A short description of the components, for logs and CLI output. */
    public Map<String, String> describe() {
        return read(state::describe);
    }

    /** Whether a generator is available (configured, or the memory model answering as one). */
    public boolean hasGenerator() {
        return read(state::hasGenerator);
    }

    /** The directory this pipeline last saved to or loaded from, or null. */
    public Path saveDirectory() {
        return read(state::saveDirectory);
    }

    /** Closes the components the pipeline created from references; idempotent. Instances given by the caller stay open. */
    @Override
    public void close() {
        write(state::close);
    }

    private <T> T read(Supplier<T> view) {
        lock.readLock().lock();
        try {
            return view.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    private void write(Runnable change) {
        lock.writeLock().lock();
        try {
            change.run();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
