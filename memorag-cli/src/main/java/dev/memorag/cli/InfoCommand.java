package dev.memorag.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.StorageException;
import dev.memorag.pipeline.PipelineDescriptor;
import dev.memorag.pipeline.PipelineStore;
import dev.memorag.store.FileEntry;
import dev.memorag.store.JsonErrors;
import dev.memorag.store.Manifest;
import dev.memorag.store.SaveDirectory;
import dev.memorag.store.SaveFormat;
import dev.memorag.store.Verification;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code memorag info SAVE}: what a save directory holds (documents, components, files and format), read from its
 * JSON files without loading any model.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Describe a save directory: its documents, components, files and format.",
            "No model is loaded; file sizes are checked against the manifest (--verify also checks every checksum)."})
final class InfoCommand implements Callable<Integer> {
    /** The chunk index's own descriptor (written by memorag-retrieval's indexes): embedder, dimension, count. */
    static final String INDEX_DESCRIPTOR = "index/chunk-index.json";
    static final String GENERATOR_NOTE = "not stored in a save: ask and summarize use --generator, else a memory "
            + "model that can answer, else OPENAI_API_KEY / OPENAI_BASE_URL";

    @Parameters(paramLabel = "SAVE", description = "Save directory.")
    Path save;

    @Option(names = "--json", description = "Print a JSON report.")
    boolean json;

    @Option(names = "--verify", description = "Also check the sha256 of every file (reads the whole save).")
    boolean verify;

    @Override
    public Integer call() {
        SaveDirectory sd = SaveDirectory.open(save, verify ? Verification.FULL : Verification.LAZY);
        PipelineDescriptor d = PipelineStore.readDescriptor(sd.path());
        JsonNode index = indexDescriptor(sd);
        ObjectNode report = report(sd, d, index);
        if (json) {
            PipelineOutput.print(System.out, report);
        } else {
            printText(System.out, sd, d, index);
        }
        return 0;
    }

    private static JsonNode indexDescriptor(SaveDirectory sd) {
        if (sd.manifest().file(INDEX_DESCRIPTOR).isEmpty()) {
            return MissingNode.getInstance(); // an index that keeps no such file (e.g. one in an external store)
        }
        Path file = sd.resolve(INDEX_DESCRIPTOR);
        try {
            return PipelineOutput.JSON.readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new CorruptDataException(file + ": not valid JSON at " + JsonErrors.describe(e), e);
        } catch (IOException e) {
            throw new StorageException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private ObjectNode report(SaveDirectory sd, PipelineDescriptor d, JsonNode index) {
        Manifest m = sd.manifest();
        ObjectNode n = PipelineOutput.object();
        n.put("save", sd.path().toString());
        n.put("format_version", m.formatVersion());
        n.put("library_version", m.libraryVersion());
        n.put("created_at", m.createdAt().toString());
        n.put("language", d.language().name());
        n.put("chunk_tokens", d.chunkTokens());
        ArrayNode docs = n.putArray("documents");
        for (PipelineDescriptor.DocumentInfo doc : d.documents()) {
            docs.addObject().put("id", doc.id()).put("characters", doc.chars()).put("sha256", doc.sha256());
        }
        ObjectNode components = n.putObject("components");
        if (d.memoryModelId() == null) {
            components.putNull("memory_model");
        } else {
            components.putObject("memory_model").put("id", d.memoryModelId())
                    .put("reference", d.memoryModelReference());
        }
        ObjectNode embedder = components.putObject("embedder").put("reference", d.embedderReference());
        putIfPresent(embedder, "id", index.path("embedder").path("id"));
        putIfPresent(embedder, "dimension", index.path("embedder").path("dimension"));
        ObjectNode idx = components.putObject("index").put("kind", d.indexKind().name().toLowerCase(Locale.ROOT));
        putIfPresent(idx, "chunks", index.path("count"));
        putIfPresent(idx, "vector_index", index.path("vector_index"));
        components.putNull("generator");
        components.put("generator_note", GENERATOR_NOTE);
        ArrayNode files = n.putArray("files");
        for (FileEntry f : m.files()) {
            files.addObject().put("path", f.path()).put("size", f.size());
        }
        long manifestSize = manifestSize(sd);
        files.addObject().put("path", SaveFormat.MANIFEST).put("size", manifestSize);
        n.put("total_bytes", m.totalSize() + manifestSize);
        n.put("checksums_verified", verify);
        return n;
    }

    private static void putIfPresent(ObjectNode target, String field, JsonNode value) {
        if (!value.isMissingNode() && !value.isNull()) {
            target.set(field, value);
        }
    }

    private static long manifestSize(SaveDirectory sd) {
        try {
            return Files.size(sd.path().resolve(SaveFormat.MANIFEST));
        } catch (IOException e) {
            throw new StorageException("cannot read the size of " + sd.path().resolve(SaveFormat.MANIFEST) + ": "
                    + e.getMessage(), e);
        }
    }

    private void printText(PrintStream out, SaveDirectory sd, PipelineDescriptor d, JsonNode index) {
        Manifest m = sd.manifest();
        out.println("save:        " + sd.path());
        out.printf(Locale.ROOT, "format:      version %d, written by memorag %s at %s%n", m.formatVersion(),
                m.libraryVersion(), m.createdAt());
        out.printf(Locale.ROOT, "language:    %s, chunks of up to %d tokens%n", d.language(), d.chunkTokens());
        out.printf(Locale.ROOT, "documents:   %d%n", d.documents().size());
        int idWidth = d.documents().stream().mapToInt(doc -> doc.id().length()).max().orElse(0);
        for (PipelineDescriptor.DocumentInfo doc : d.documents()) {
            out.printf(Locale.ROOT, "  %-" + idWidth + "s  %,d characters%n", doc.id(), doc.chars());
        }
        out.println("components:");
        out.println("  memory model: " + (d.memoryModelId() == null
                ? "none (memorised without one: retrieval only)"
                : d.memoryModelId() + (d.memoryModelReference() == null
                        ? " (no reference recorded: pass --memory-model when using the save)"
                        : " from " + d.memoryModelReference())));
        JsonNode emb = index.path("embedder");
        out.println("  embedder:     " + d.embedderReference()
                + (emb.path("dimension").isNumber() ? ", " + emb.path("dimension").asInt() + " dimensions" : ""));
        out.println("  chunk index:  " + d.indexKind().name().toLowerCase(Locale.ROOT)
                + (index.path("count").isNumber() ? String.format(Locale.ROOT, ", %,d chunks", index.path("count")
                        .asLong()) : "")
                + (index.path("vector_index").isTextual() ? ", " + index.path("vector_index").asText() + " vectors"
                        : ""));
        out.println("  generator:    " + GENERATOR_NOTE);
        long manifestSize = manifestSize(sd);
        out.printf(Locale.ROOT, "files:       %d, %,d bytes%n", m.files().size() + 1, m.totalSize() + manifestSize);
        int pathWidth = m.files().stream().mapToInt(f -> f.path().length()).max().orElse(0);
        pathWidth = Math.max(pathWidth, SaveFormat.MANIFEST.length());
        for (FileEntry f : m.files()) {
            out.printf(Locale.ROOT, "  %-" + pathWidth + "s  %,12d%n", f.path(), f.size());
        }
        out.printf(Locale.ROOT, "  %-" + pathWidth + "s  %,12d%n", SaveFormat.MANIFEST, manifestSize);
        out.println("checksums:   " + (verify ? "verified" : "sizes checked; --verify also checks every sha256"));
    }
}
