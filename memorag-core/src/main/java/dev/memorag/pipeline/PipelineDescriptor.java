package dev.memorag.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.memorag.error.InvalidInputException;
import dev.memorag.api.ChunkIndexKind;
import dev.memorag.api.Document;
import dev.memorag.api.Language;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The pipeline's own descriptor, {@code pipeline.json} in a save directory: what was memorised and with which
 * components, so that {@code MemoRAG.load} can rebuild the pipeline. Written next to the save directory's manifest,
 * which checksums it like every other file.
 *
 * <p>Thread-safety: immutable.
 *
 * @param format always {@value #FORMAT}
 * @param version descriptor version; loading accepts only {@value #VERSION}
 * @param language language of the memorised text
 * @param chunkTokens retrieval chunk size in tokens
 * @param indexKind kind of the saved chunk index (its own files record the embedder id and dimension)
 * @param embedderReference the reference to create the embedder from (its id when it was given as an instance)
 * @param memoryModelReference the reference the memory model was created from (null when given as an instance or
 *     absent)
 * @param memoryModelId the memory model's id, or null when memorised without one (its state file records the rest)
 * @param documents the memorised documents, in memory order
 */
public record PipelineDescriptor(
        @JsonProperty("format") String format,
        @JsonProperty("version") int version,
        @JsonProperty("language") Language language,
        @JsonProperty("chunk_tokens") int chunkTokens,
        @JsonProperty("index_kind") ChunkIndexKind indexKind,
        @JsonProperty("embedder_reference") String embedderReference,
        @JsonProperty("memory_model_reference") String memoryModelReference,
        @JsonProperty("memory_model_id") String memoryModelId,
        @JsonProperty("documents") List<DocumentInfo> documents) {

    /** The descriptor's format name. */
    public static final String FORMAT = "memorag-pipeline";
    /** The only descriptor version this library reads and writes. */
    public static final int VERSION = 2;

    public PipelineDescriptor {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(indexKind, "indexKind");
        Objects.requireNonNull(embedderReference, "embedderReference");
        documents = List.copyOf(Objects.requireNonNull(documents, "documents"));
        if (chunkTokens <= 0) {
            throw new InvalidInputException("pipeline descriptor: chunk_tokens must be > 0, was " + chunkTokens);
        }
    }

    /** Per-document metadata kept in the descriptor (texts are stored separately). */
    public static List<DocumentInfo> documentInfos(List<Document> docs) {
        return docs.stream().map(d -> new DocumentInfo(d.id(), d.text().length(), sha256(d.text()))).toList();
    }

    static String sha256(String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /**
     * One memorised document.
     *
     * <p>Thread-safety: immutable.
     *
     * @param id document id
     * @param chars length in UTF-16 characters
     * @param sha256 hex SHA-256 of the UTF-8 text
     */
    public record DocumentInfo(@JsonProperty("id") String id, @JsonProperty("chars") int chars,
            @JsonProperty("sha256") String sha256) {
        public DocumentInfo {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(sha256, "sha256");
        }
    }
}
