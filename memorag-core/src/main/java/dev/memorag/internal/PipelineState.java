package dev.memorag.internal;

import dev.memorag.api.Chunk;
import dev.memorag.api.ChunkIndex;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.Document;
import dev.memorag.api.Generator;
import dev.memorag.api.Hit;
import dev.memorag.api.Language;
import dev.memorag.api.MemoryModel;
import dev.memorag.api.MemoryStats;
import dev.memorag.api.TaskType;
import dev.memorag.api.TokenCounter;
import dev.memorag.chunk.TextChunker;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.pipeline.EvidenceOrder;
import dev.memorag.pipeline.MemorizeMode;
import dev.memorag.pipeline.MultiQueryRetrieval;
import dev.memorag.pipeline.PipelineDescriptor;
import dev.memorag.pipeline.PipelineStore;
import dev.memorag.pipeline.TextInputs;
import dev.memorag.prompt.Prompts;
import dev.memorag.spi.ChunkIndexProvider;
import dev.memorag.store.SaveDirectory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a pipeline holds: its components, the chunk index, the memorised documents (in memory order), their language
 * and chunk size, and the save directory. Memorising, adding and removing documents are transactions over this
 * state: when one fails after the state was changed, the documents and the index are dropped (queries then fail with
 * {@link StateException} until the next memorise or load), and the save directory keeps its previous content.
 *
 * <p>Thread-safety: not thread-safe. {@code MemoRAG} guards it with a read-write lock: the query methods read it
 * concurrently, the document methods and {@link #close} run alone.
 */
public final class PipelineState implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineState.class);

    private final PipelineConfig config;
    private final Components components;
    private ChunkIndex index;
    private ChunkIndexKind indexKind;
    private Language language;
    private int chunkTokens;
    private final List<Document> documents = new ArrayList<>();
    private final Map<String, Integer> documentOrdinal = new HashMap<>();
    private Path saveDir;
    private boolean closed;

    /** Creates the configured components (closing them again if one fails). */
    public PipelineState(PipelineConfig config) {
        this.config = config;
        this.components = new Components(config);
    }

    // ---------------------------------------------------------------- document transactions

    /** See {@code MemoRAG.memorize(List, Path, MemorizeMode)}. */
    public void memorize(List<Document> docs, Path target, MemorizeMode mode) {
        requireOpen();
        if (!documents.isEmpty() && documents.equals(docs)) {
            if (target != null && !target.toAbsolutePath().equals(saveDir == null ? null : saveDir.toAbsolutePath())) {
                guardTarget(target, mode);
                save(target);
            }
            return;
        }
        if (!documents.isEmpty() && mode != MemorizeMode.REPLACE) {
            throw new StateException("this pipeline already holds a memory of " + documents.size()
                    + " document(s)" + (saveDir == null ? "" : " saved in " + saveDir)
                    + "; memorising a different text needs MemorizeMode.REPLACE (CLI: --replace), "
                    + "or use add() to grow the memory");
        }
        if (target != null) {
            guardTarget(target, mode);
        }
        Language detected = config.languageOr(Language.detect(docs.get(0).text()));
        if (memory() != null) {
            // before the chunks are embedded: a text too long for the memory model fails now, not after that work
            memory().requireCapacity(List.of(joined(docs)), config.prompts(detected), false);
        }
        transaction(() -> {
            long t0 = System.nanoTime();
            clearContent();
            saveDir = null;
            language = detected;
            chunkTokens = config.chunkTokensFor(language);
            components.useDefaultEmbedder(config, language);
            List<Chunk> chunks = chunk(docs);
            ChunkIndexProvider provider = config.newIndexProvider();
            index = provider.create(components.embedder(), config.providerOptions());
            indexKind = provider.kind();
            index.add(chunks, config.progress());
            if (memory() != null) {
                memory().memorize(joined(docs), prompts(), config.progress());
            }
            setDocuments(docs);
            LOG.info("memorised {} document(s), {} chunks, {} characters in {} ms", docs.size(), chunks.size(),
                    totalChars(docs), (System.nanoTime() - t0) / 1_000_000);
            if (target != null) {
                save(target);
            }
        });
    }

    /** See {@code MemoRAG.add}. */
    public void add(List<Document> docs) {
        requireContent();
        TextInputs.requireDocuments(docs, documentOrdinal.keySet());
        if (memory() != null) {
            memory().requireCapacity(docs.stream().map(Document::text).toList(), prompts(), true);
        }
        transaction(() -> {
            index.add(chunk(docs), config.progress());
            List<Document> all = new ArrayList<>(documents);
            all.addAll(docs);
            if (memory() != null) {
                appendOrRememorise(docs, all);
            }
            setDocuments(all);
            resave();
        });
    }

    private void appendOrRememorise(List<Document> added, List<Document> all) {
        try {
            for (Document d : added) {
                memory().append(d.text(), prompts(), config.progress());
            }
        } catch (UnsupportedFormatException e) {
            LOG.warn("memory model {} cannot append ({}); re-reading all {} documents", memory().id(),
                    e.getMessage(), all.size());
            memory().memorize(joined(all), prompts(), config.progress());
        }
    }

    /** See {@code MemoRAG.remove}. */
    public boolean remove(String documentId) {
        requireContent();
        if (!documentOrdinal.containsKey(documentId)) {
            return false;
        }
        if (documents.size() == 1) {
            throw new InvalidInputException("cannot remove document '" + documentId
                    + "': it is the only one; memorise a new text with MemorizeMode.REPLACE instead");
        }
        List<Document> rest = documents.stream().filter(d -> !d.id().equals(documentId)).toList();
        transaction(() -> {
            index.removeDocuments(List.of(documentId));
            if (memory() != null) {
                LOG.warn("removing document '{}': the memory model cannot forget, re-memorising the remaining {} "
                        + "document(s)", documentId, rest.size());
                memory().memorize(joined(rest), prompts(), config.progress());
            }
            setDocuments(rest);
            resave();
        });
        return true;
    }

    /** Runs a change of the content; on failure drops the content, so no half-changed memory is ever queried. */
    private void transaction(Runnable change) {
        requireOpen();
        try {
            change.run();
        } catch (RuntimeException e) {
            clearContent();
            throw e;
        }
    }

    // ---------------------------------------------------------------- persistence

    private void resave() {
        if (saveDir != null) {
            save(saveDir);
        }
    }

    private void save(Path dir) {
        long t0 = System.nanoTime();
        MemoryModel memory = memory();
        PipelineDescriptor d = new PipelineDescriptor(PipelineDescriptor.FORMAT, PipelineDescriptor.VERSION,
                language, chunkTokens, indexKind, components.embedderReference(),
                memory == null ? null : components.memoryReference(), memory == null ? null : memory.id(),
                PipelineDescriptor.documentInfos(documents));
        PipelineStore.save(dir, d, documents, index, memory, config.progress());
        saveDir = dir;
        LOG.info("saved to {} in {} ms", dir, (System.nanoTime() - t0) / 1_000_000);
    }

    /** Replaces the content with the save in {@code dir}, creating the components it records that are not set. */
    public void load(Path dir) {
        transaction(() -> {
            PipelineStore.Loaded loaded = PipelineStore.read(dir);
            PipelineDescriptor d = loaded.descriptor();
            language = d.language();
            chunkTokens = d.chunkTokens();
            components.embedderForSave(d.embedderReference());
            index = config.indexProviderFor(d.indexKind()).load(loaded.indexDir(), components.embedder());
            indexKind = d.indexKind();
            if (d.memoryModelId() != null) {
                if (memory() == null && d.memoryModelReference() == null) {
                    throw new StateException("save directory " + dir + " holds the memory of model '"
                            + d.memoryModelId() + "' but records no reference to create it: configure the "
                            + "memory model on the builder");
                }
                components.memoryForSave(d.memoryModelReference()).loadState(loaded.memoryDir());
            } else if (memory() != null) {
                LOG.warn("save directory {} was memorised without a memory model; memory tasks are unavailable, "
                        + "RAG works", dir);
                components.dropMemory();
            }
            setDocuments(loaded.documents());
            saveDir = dir;
        });
    }

    /** Refuses, before any work, a target that the save at the end would refuse or that needs REPLACE. */
    private static void guardTarget(Path dir, MemorizeMode mode) {
        SaveDirectory.checkWritable(dir);
        if (mode != MemorizeMode.REPLACE && PipelineStore.holdsSave(dir)) {
            throw new StateException("save directory " + dir + " already holds a saved memory; load it, or "
                    + "memorise with MemorizeMode.REPLACE (CLI: --replace) to overwrite it");
        }
    }

    // ---------------------------------------------------------------- what the tasks read

    /** The prompts of the memorised language, with the configured overrides. */
    public Prompts prompts() {
        return config.prompts(language);
    }

    MemoryModel memory() {
        return components.memory();
    }

    /**
     * The memory model of {@code task}, which must hold a memory. The message points to what works without one, and
     * only to what works with the components at hand (RAG needs a generator; recall needs nothing).
     */
    MemoryModel requireMemory(TaskType task) {
        MemoryModel memory = memory();
        if (memory == null) {
            throw new StateException(task + " needs a memory model, and "
                    + (saveDir == null ? "none is configured: set MemoRAGBuilder.memoryModel (CLI: --memory-model REF)"
                            : "the memory in " + saveDir + " was built without one: memorise it again with a memory "
                            + "model (CLI: memorag memorize --memory-model REF --replace)")
                    + (hasGenerator() ? "; TaskType.RAG (CLI: --task rag) works without one"
                            : "; recall() (CLI: memorag recall) retrieves evidence without one"));
        }
        if (!memory.hasMemory()) {
            throw new StateException("memory model " + memory.id() + " holds no memory: memorize or load first");
        }
        return memory;
    }

    /** The generator of {@code task}: the configured one, else the memory model answering. */
    Generator requireGenerator(TaskType task) {
        Generator g = components.generatorOrNull();
        if (g == null) {
            throw new StateException(task + " needs a generator, and none is configured: set "
                    + "MemoRAGBuilder.generator (CLI: --generator REF) or call attachGenerator, or use a memory model "
                    + "that can answer; recall() (CLI: memorag recall) retrieves the evidence without one");
        }
        return g;
    }

    /**
     * The counter that measures prompts for {@code gen}: the configured one, else the generator itself when it
     * implements {@link TokenCounter} (its own tokenizer), else the chunking counter (cl100k by default).
     */
    TokenCounter fittingCounter(Generator gen) {
        if (config.generatorTokenCounter() != null) {
            return config.generatorTokenCounter();
        }
        return gen instanceof TokenCounter own ? own : config.tokenCounter();
    }

    /** MemoRAG's multi-query retrieval over the index: top hits per query, union, ordered as asked. */
    List<Hit> retrieve(List<String> queries, int hits, EvidenceOrder order) {
        return new MultiQueryRetrieval(hits > 0 ? hits : config.hits(), order)
                .retrieve(queries, index::retrieveAll, documentOrdinal::get);
    }

    /** Every chunk, in document order (the evidence when nothing better is known). */
    List<Hit> allChunks() {
        return index.chunks().stream().map(c -> new Hit(c, 0.0)).toList();
    }

    Language languageOrEnglish() {
        return language == null ? Language.EN : language;
    }

    /** Throws unless documents are memorised or loaded. */
    public void requireContent() {
        requireOpen();
        if (documents.isEmpty() || index == null) {
            throw new StateException("nothing is memorised: call memorize(...) or MemoRAG.load(saveDir) first");
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new StateException("this MemoRAG pipeline is closed");
        }
    }

    // ---------------------------------------------------------------- read-only views for the facade

    public boolean hasMemory() {
        return !documents.isEmpty();
    }

    public List<String> documentIds() {
        return documents.stream().map(Document::id).toList();
    }

    public List<Chunk> chunks() {
        requireContent();
        return index.chunks();
    }

    public Language language() {
        return language;
    }

    public MemoryStats memoryStats() {
        MemoryModel memory = memory();
        return memory != null && memory.hasMemory() ? memory.stats() : null;
    }

    public boolean hasGenerator() {
        return components.generatorOrNull() != null;
    }

    public Path saveDirectory() {
        return saveDir;
    }

    /** Component ids, language and chunk size, for logs and CLI output. */
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("memory_model", memory() == null ? "none" : memory().id());
        m.put("embedder", components.embedder() == null ? "none" : components.embedder().id());
        m.put("index", index == null ? "none" : index.describe());
        Generator g = components.generatorOrNull();
        m.put("generator", g == null ? "none" : g.id());
        m.put("language", language == null ? "unknown" : language.name());
        m.put("chunk_tokens", chunkTokens == 0 ? "unknown" : Integer.toString(chunkTokens));
        return m;
    }

    /** Replaces the generator; {@code owned}: whether closing the pipeline closes it. */
    public void attachGenerator(Generator generator, boolean owned) {
        requireOpen();
        components.attachGenerator(generator, owned);
    }

    /** Replaces the generator with one created from {@code reference}, owned by the pipeline. */
    public void attachGenerator(String reference) {
        requireOpen();
        components.attachGenerator(reference);
    }

    // ---------------------------------------------------------------- internals

    private List<Chunk> chunk(List<Document> docs) {
        List<Chunk> out = new ArrayList<>();
        TextChunker chunker = TextChunker.builder().chunkSize(chunkTokens).tokenCounter(config.tokenCounter()).build();
        long done = 0;
        long total = totalChars(docs);
        for (Document d : docs) {
            out.addAll(chunker.split(d.id(), d.text()));
            done += d.text().length();
            config.progress().onProgress("chunk", done, total);
        }
        return out;
    }

    private void setDocuments(List<Document> docs) {
        List<Document> copy = List.copyOf(docs);
        documents.clear();
        documents.addAll(copy);
        documentOrdinal.clear();
        for (int i = 0; i < documents.size(); i++) {
            documentOrdinal.put(documents.get(i).id(), i);
        }
    }

    private void clearContent() {
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

    /** Closes the index and the components the pipeline created; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        clearContent();
        components.close();
    }
}
