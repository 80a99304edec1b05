package dev.memorag.retrieval.chunks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.StorageException;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.api.Chunk;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The chunks an index owns, each under a stable numeric slot (used as the id in vector and BM25 indexes), persisted as
 * JSON lines: a header line {@code {"format":"memorag-chunks","version":2,"count":N,"next_slot":S}} and one line per chunk with its
 * slot, ids, offsets, token count and text.
 *
 * <p>Thread-safety: not thread-safe; the owning index synchronises access.
 */
final class ChunkStore {
    static final String FILE = "chunks.jsonl";
    static final String FORMAT = "memorag-chunks";
    static final int VERSION = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LinkedHashMap<Long, Chunk> bySlot = new LinkedHashMap<>();
    private final Map<String, Long> slotById = new HashMap<>();
    private long nextSlot;

    /** Assigns slots to new chunks, rejecting ids already held or repeated. */
    long[] add(List<Chunk> chunks) {
        Set<String> seen = new HashSet<>();
        for (Chunk c : chunks) {
            if (slotById.containsKey(c.id()) || !seen.add(c.id())) {
                throw new InvalidInputException("chunk id '" + c.id() + "' is already in the index");
            }
        }
        long[] slots = new long[chunks.size()];
        for (int i = 0; i < slots.length; i++) {
            Chunk c = chunks.get(i);
            slots[i] = nextSlot++;
            bySlot.put(slots[i], c);
            slotById.put(c.id(), slots[i]);
        }
        return slots;
    }

    /** Removes every chunk of the given documents and returns their slots. */
    List<Long> removeDocuments(Collection<String> documentIds) {
        Set<String> docs = new HashSet<>(documentIds);
        List<Long> removed = new ArrayList<>();
        for (Map.Entry<Long, Chunk> e : bySlot.entrySet()) {
            if (docs.contains(e.getValue().documentId())) {
                removed.add(e.getKey());
            }
        }
        for (Long s : removed) {
            slotById.remove(bySlot.remove(s).id());
        }
        return removed;
    }

    /** Undoes {@link #add} (used when indexing the new chunks failed). */
    void removeSlots(long[] slots) {
        for (long s : slots) {
            Chunk c = bySlot.remove(s);
            if (c != null) {
                slotById.remove(c.id());
            }
        }
    }

    Chunk get(long slot) {
        return bySlot.get(slot);
    }

    List<Chunk> chunks() {
        return List.copyOf(bySlot.values());
    }

    Map<Long, Chunk> entries() {
        return bySlot;
    }

    int size() {
        return bySlot.size();
    }

    void save(Path dir) {
        Path file = dir.resolve(FILE);
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            ObjectNode h = JSON.createObjectNode();
            h.put("format", FORMAT);
            h.put("version", VERSION);
            h.put("count", bySlot.size());
            h.put("next_slot", nextSlot);
            w.write(JSON.writeValueAsString(h));
            w.write('\n');
            for (Map.Entry<Long, Chunk> e : bySlot.entrySet()) {
                Chunk c = e.getValue();
                ObjectNode n = JSON.createObjectNode();
                n.put("slot", e.getKey());
                n.put("id", c.id());
                n.put("document_id", c.documentId());
                n.put("start", c.start());
                n.put("end", c.end());
                n.put("token_count", c.tokenCount());
                n.put("text", c.text());
                w.write(JSON.writeValueAsString(n));
                w.write('\n');
            }
        } catch (IOException e) {
            throw new StorageException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static ChunkStore load(Path dir) {
        Path file = dir.resolve(FILE);
        ChunkStore store = new ChunkStore();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = r.readLine();
            if (header == null) {
                throw new CorruptDataException(file + ": empty file (no header line)");
            }
            JsonNode h = parse(file, 1, header);
            if (!FORMAT.equals(h.path("format").asText())) {
                throw new CorruptDataException(file + ": line 1 field 'format' is '" + h.path("format").asText()
                        + "', expected '" + FORMAT + "'");
            }
            if (h.path("version").asInt(-1) != VERSION) {
                throw new UnsupportedFormatException(file + ": field 'version' is " + h.path("version")
                        + ", this library reads " + VERSION);
            }
            int count = h.path("count").asInt(-1);
            String line;
            int lineNo = 1;
            while ((line = r.readLine()) != null) {
                lineNo++;
                JsonNode n = parse(file, lineNo, line);
                Chunk c;
                try {
                    c = new Chunk(n.get("id").asText(), n.get("document_id").asText(), n.get("text").asText(),
                            n.get("start").asInt(), n.get("end").asInt(), n.get("token_count").asInt());
                } catch (NullPointerException | InvalidInputException e) {
                    throw new CorruptDataException(file + ": line " + lineNo + " is not a valid chunk: " + e.getMessage(), e);
                }
                long slot = n.path("slot").asLong(-1);
                if (slot < 0 || store.bySlot.containsKey(slot)) {
                    throw new CorruptDataException(file + ": line " + lineNo + " has a bad or repeated slot " + slot);
                }
                store.bySlot.put(slot, c);
                store.slotById.put(c.id(), slot);
                store.nextSlot = Math.max(store.nextSlot, slot + 1);
            }
            if (count != store.bySlot.size()) {
                throw new CorruptDataException(file + ": header count " + count + " but " + store.bySlot.size()
                        + " chunks (truncated file?)");
            }
            store.nextSlot = Math.max(store.nextSlot, h.path("next_slot").asLong(0));
            return store;
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("chunk store not found: " + file, e);
        } catch (IOException e) {
            throw new StorageException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode parse(Path file, int lineNo, String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new CorruptDataException(file + ": line " + lineNo + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}
