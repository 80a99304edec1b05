package dev.memorag.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.memorag.error.StorageException;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.api.ChunkIndex;
import dev.memorag.api.Document;
import dev.memorag.api.MemoryModel;
import dev.memorag.api.ProgressListener;
import dev.memorag.store.ComponentDescriptor;
import dev.memorag.store.JsonErrors;
import dev.memorag.store.SaveDirectory;
import dev.memorag.store.SaveFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes and reads a pipeline's save directory: {@code pipeline.json} ({@link PipelineDescriptor}),
 * {@code documents.json} (the memorised texts, needed to re-memorise after a removal), {@code index/} (the chunk
 * index's own files) and {@code memory/} (the memory model's state, when there is one), inside a
 * {@link SaveDirectory} whose {@code manifest.json} checksums every file and summarises the components.
 *
 * <p>Thread-safety: stateless; callers serialise writes to one directory.
 */
public final class PipelineStore {
    static final String DESCRIPTOR = "pipeline.json";
    static final String DOCUMENTS = "documents.json";
    static final String INDEX = "index";
    static final String MEMORY = "memory";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private PipelineStore() {
    }

    /**
     * A save directory that was read and verified.
     *
     * <p>Thread-safety: immutable.
     *
     * @param descriptor the pipeline descriptor
     * @param documents the memorised documents, in order
     * @param indexDir the chunk index's directory
     * @param memoryDir the memory state's directory (absent when memorised without a memory model)
     */
    public record Loaded(PipelineDescriptor descriptor, List<Document> documents, Path indexDir, Path memoryDir) {
        public Loaded {
            documents = List.copyOf(documents);
        }
    }

    /** Whether {@code dir} already holds a save (so writing there would replace it). */
    public static boolean holdsSave(Path dir) {
        return Files.exists(dir.resolve(SaveFormat.MANIFEST));
    }

    /**
     * Writes the save through {@link SaveDirectory#write}: locked, into a temporary sibling, checksummed in
     * {@code manifest.json}, then moved into place; a failure leaves the previous save untouched. The manifest names
     * one component, {@code pipeline}, with this descriptor's format and version.
     */
    public static void save(Path dir, PipelineDescriptor descriptor, List<Document> documents, ChunkIndex index,
            MemoryModel memory, ProgressListener progress) {
        // Each fact lives in the file of the part that owns it (embedder identity in the index's files, memory
        // statistics in the memory state); the manifest only names the pipeline's format.
        Map<String, ComponentDescriptor> components = Map.of("pipeline", ComponentDescriptor.builder()
                .put(ComponentDescriptor.FORMAT, PipelineDescriptor.FORMAT)
                .put(ComponentDescriptor.VERSION, PipelineDescriptor.VERSION)
                .build());
        SaveDirectory.write(dir, components, tmp -> {
            progress.onProgress("save", 0, 3);
            JSON.writeValue(tmp.resolve(DESCRIPTOR).toFile(), descriptor);
            JSON.writeValue(tmp.resolve(DOCUMENTS).toFile(), documents);
            if (memory != null) {
                Files.createDirectories(tmp.resolve(MEMORY));
                memory.saveState(tmp.resolve(MEMORY));
            }
            progress.onProgress("save", 1, 3);
            // The index saves last: an index in an external store commits its transaction in save(), so everything
            // that can still fail locally must have succeeded before.
            Files.createDirectories(tmp.resolve(INDEX));
            index.save(tmp.resolve(INDEX));
            progress.onProgress("save", 2, 3);
        });
        progress.onProgress("save", 3, 3);
    }

    /**
     * Opens the save with {@link SaveDirectory#open} (manifest, format version, sizes and sha256 of every file
     * checked) and reads the pipeline's files; nothing on disk is modified.
     */
    public static Loaded read(Path dir) {
        SaveDirectory save = SaveDirectory.open(dir);
        PipelineDescriptor d = readDescriptor(save.path());
        Path docFile = save.resolve(DOCUMENTS);
        List<Document> docs;
        try {
            docs = List.of(JSON.readValue(docFile.toFile(), Document[].class));
        } catch (JsonProcessingException e) {
            throw new CorruptDataException(docFile + " is not a valid document list at " + JsonErrors.describe(e), e);
        } catch (IOException e) {
            throw new StorageException("cannot read " + docFile + ": " + e.getMessage(), e);
        }
        List<String> ids = new ArrayList<>();
        docs.forEach(doc -> ids.add(doc.id()));
        List<String> expected = d.documents().stream().map(PipelineDescriptor.DocumentInfo::id).toList();
        if (!ids.equals(expected)) {
            throw new CorruptDataException(docFile + ": documents " + ids + " differ from " + DESCRIPTOR + "'s "
                    + expected);
        }
        return new Loaded(d, docs, save.resolve(INDEX), save.resolve(MEMORY));
    }

    /** Reads only the descriptor (cheap: no document texts), e.g. to see which components a save needs. */
    public static PipelineDescriptor readDescriptor(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException("save directory " + dir + " does not exist");
        }
        Path descFile = dir.resolve(DESCRIPTOR);
        PipelineDescriptor d;
        try {
            var tree = JSON.readTree(descFile.toFile());
            String format = tree.path("format").asText("");
            int version = tree.path("version").asInt(-1);
            if (!PipelineDescriptor.FORMAT.equals(format)) {
                throw new UnsupportedFormatException(descFile + ": field 'format' is '" + format + "', expected '"
                        + PipelineDescriptor.FORMAT + "'");
            }
            if (version != PipelineDescriptor.VERSION) {
                throw new UnsupportedFormatException(descFile + ": field 'version' is " + version
                        + ", this library reads version " + PipelineDescriptor.VERSION + ": "
                        + SaveFormat.versionAdvice(version));
            }
            d = JSON.treeToValue(tree, PipelineDescriptor.class);
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new InvalidInputException("save directory " + dir + " holds no " + DESCRIPTOR
                    + " (not a MemoRAG save)");
        } catch (JsonProcessingException e) {
            throw new CorruptDataException(descFile + " is not a valid pipeline descriptor at "
                    + JsonErrors.describe(e), e);
        } catch (IOException e) {
            throw new StorageException("cannot read " + descFile + ": " + e.getMessage(), e);
        }
        return d;
    }
}
