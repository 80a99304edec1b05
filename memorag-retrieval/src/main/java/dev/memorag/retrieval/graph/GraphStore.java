package dev.memorag.retrieval.graph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.StorageException;
import dev.memorag.store.LittleEndianDataInput;
import dev.memorag.store.LittleEndianDataOutput;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.UnsupportedFormatException;
import dev.memorag.api.Chunk;
import dev.memorag.api.Embedder;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Saves and loads a {@link KnowledgeGraph} in a directory: {@code graph.json} (descriptor: format, version, kind,
 * embedder id and dimension, settings, counts), {@code graph-store.bin} (phrases, facts, passages, embeddings and
 * synonym lists, so that the graph stays incrementally updatable) and {@code graph.csr} (the PageRank graph in
 * compressed sparse rows, loaded as is). Binary files start with an 8-byte magic and a version; numbers are
 * little-endian (version 3; earlier versions were big-endian). Loading only reads data, never runs code, and fails with {@link CorruptDataException} naming the file
 * and field on any inconsistency.
 *
 * <p>Thread-safety: stateless; saving must not overlap with mutations of the graph.
 */
public final class GraphStore {
    public static final String DESCRIPTOR = "graph.json";
    public static final String STORE_FILE = "graph-store.bin";
    public static final String CSR_FILE = "graph.csr";
    public static final String FORMAT = "memorag-graph";
    /** 2: phrase–phrase edges weigh both directions (version 1 graphs hold the old, halved weights); 3: little-endian. */
    public static final int VERSION = 3;
    private static final byte[] STORE_MAGIC = "MRGSTOR1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CSR_MAGIC = "MRGCSR01".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Upper bound on any count read from a file, to reject corrupt sizes before allocating. */
    private static final int MAX_COUNT = 200_000_000;

    private GraphStore() {
    }

    /** Writes {@code graph} into {@code directory} (created if missing). */
    public static void save(KnowledgeGraph graph, Path directory) {
        GraphSnapshot snap = graph.snapshot();
        try {
            Files.createDirectories(directory);
            writeStore(graph, directory.resolve(STORE_FILE));
            writeCsr(snap.csr, directory.resolve(CSR_FILE));
            ObjectNode d = JSON.createObjectNode();
            d.put("format", FORMAT);
            d.put("version", VERSION);
            d.put("kind", "GRAPH");
            d.putObject("embedder").put("id", graph.embedder().id()).put("dimension", graph.embedder().dimension());
            d.putObject("settings").put("synonym_threshold", graph.settings().synonymThreshold())
                    .put("max_synonyms", graph.settings().maxSynonyms())
                    .put("min_synonym_chars", graph.settings().minSynonymChars());
            d.putObject("counts").put("passages", snap.passageCount()).put("phrases", snap.phraseCount())
                    .put("facts", snap.factCount()).put("nodes", snap.csr.nodeCount())
                    .put("csr_entries", snap.csr.entryCount());
            d.putObject("files").put("store", STORE_FILE).put("csr", CSR_FILE);
            Files.writeString(directory.resolve(DESCRIPTOR), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(d));
        } catch (IOException e) {
            throw new StorageException("cannot write graph to " + directory + ": " + e.getMessage(), e);
        }
    }

    /** Reads the descriptor of a saved graph (for checks before loading). */
    public static JsonNode descriptor(Path directory) {
        Path file = directory.resolve(DESCRIPTOR);
        JsonNode d;
        try {
            d = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("no saved graph in " + directory + ": " + DESCRIPTOR + " is missing");
        } catch (IOException e) {
            throw new CorruptDataException(file + ": unreadable descriptor: " + e.getMessage(), e);
        }
        if (d == null || !FORMAT.equals(d.path("format").asText())) {
            throw new UnsupportedFormatException(file + ": field 'format' must be '" + FORMAT + "', was '"
                    + (d == null ? "" : d.path("format").asText()) + "'");
        }
        if (d.path("version").asInt(-1) != VERSION) {
            throw new UnsupportedFormatException(file + ": unsupported field 'version' " + d.path("version")
                    + " (this library reads " + VERSION + ")");
        }
        return d;
    }

    /**
     * Loads a graph saved by {@link #save}.
     *
     * @throws InvalidInputException when {@code embedder}'s id or dimension differs from the saved one
     */
    public static KnowledgeGraph load(Path directory, Embedder embedder) {
        JsonNode d = descriptor(directory);
        Path descFile = directory.resolve(DESCRIPTOR);
        String savedId = d.path("embedder").path("id").asText();
        int savedDim = d.path("embedder").path("dimension").asInt(-1);
        if (!savedId.equals(embedder.id()) || savedDim != embedder.dimension()) {
            throw new InvalidInputException(descFile + ": graph was built with embedder '" + savedId + "' (dimension "
                    + savedDim + "), cannot use '" + embedder.id() + "' (dimension " + embedder.dimension() + ")");
        }
        JsonNode s = d.path("settings");
        GraphSettings settings = new GraphSettings(s.path("synonym_threshold").asDouble(0.8),
                s.path("max_synonyms").asInt(100), s.path("min_synonym_chars").asInt(3));
        KnowledgeGraph graph = new KnowledgeGraph(embedder, settings);
        readStore(graph, directory.resolve(STORE_FILE), savedDim, directory.resolve(CSR_FILE));
        return graph;
    }

    // ---- store ----

    private static void writeStore(KnowledgeGraph g, Path file) throws IOException {
        int dim = g.embedder().dimension();
        try (LittleEndianDataOutput out = new LittleEndianDataOutput(new BufferedOutputStream(Files.newOutputStream(file),
                1 << 16))) {
            out.write(STORE_MAGIC);
            out.writeInt(VERSION);
            out.writeInt(dim);
            Map<KnowledgeGraph.PhraseEntry, Integer> index = new IdentityHashMap<>();
            out.writeInt(g.phraseEntries().size());
            for (KnowledgeGraph.PhraseEntry p : g.phraseEntries()) {
                index.put(p, index.size());
                writeString(out, p.text);
                writeVector(out, p.vector);
                out.writeBoolean(p.eligible);
            }
            for (KnowledgeGraph.PhraseEntry p : g.phraseEntries()) {
                out.writeInt(p.neighbors.size());
                for (KnowledgeGraph.Neighbor n : p.neighbors) {
                    out.writeInt(index.get(n.phrase));
                    out.writeDouble(n.similarity);
                }
            }
            Map<Fact, Integer> factIndex = new HashMap<>();
            out.writeInt(g.factEntries().size());
            for (KnowledgeGraph.FactEntry f : g.factEntries()) {
                factIndex.put(f.fact, factIndex.size());
                writeString(out, f.fact.subject());
                writeString(out, f.fact.relation());
                writeString(out, f.fact.object());
                writeVector(out, f.vector);
            }
            out.writeInt(g.passageEntries().size());
            for (KnowledgeGraph.PassageEntry p : g.passageEntries()) {
                Chunk c = p.chunk;
                writeString(out, c.id());
                writeString(out, c.documentId());
                writeString(out, c.text());
                out.writeInt(c.start());
                out.writeInt(c.end());
                out.writeInt(c.tokenCount());
                writeVector(out, p.vector);
                out.writeInt(p.facts.size());
                for (Fact f : p.facts) {
                    out.writeInt(factIndex.get(f));
                }
            }
        }
    }

    private static void readStore(KnowledgeGraph g, Path file, int dim, Path csrFile) {
        try (LittleEndianDataInput in = new LittleEndianDataInput(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            checkMagic(in, STORE_MAGIC, file);
            int storedDim = in.readInt();
            if (storedDim != dim) {
                throw new CorruptDataException(file + ": field 'dimension' is " + storedDim + ", descriptor says " + dim);
            }
            int nPhrases = count(in, file, "phrases");
            List<KnowledgeGraph.PhraseEntry> phrases = new ArrayList<>(nPhrases);
            for (int i = 0; i < nPhrases; i++) {
                String text = readString(in, file);
                float[] v = readVector(in, dim);
                phrases.add(new KnowledgeGraph.PhraseEntry(text, v, in.readBoolean()));
            }
            for (KnowledgeGraph.PhraseEntry p : phrases) {
                int n = count(in, file, "neighbours of '" + p.text + "'");
                for (int k = 0; k < n; k++) {
                    int j = in.readInt();
                    if (j < 0 || j >= nPhrases) {
                        throw new CorruptDataException(file + ": neighbour index " + j + " of phrase '" + p.text
                                + "' is out of range");
                    }
                    p.neighbors.add(new KnowledgeGraph.Neighbor(phrases.get(j), in.readDouble()));
                }
            }
            Map<String, KnowledgeGraph.PhraseEntry> byText = new HashMap<>();
            for (KnowledgeGraph.PhraseEntry p : phrases) {
                byText.put(p.text, p);
            }
            int nFacts = count(in, file, "facts");
            List<KnowledgeGraph.FactEntry> facts = new ArrayList<>(nFacts);
            for (int i = 0; i < nFacts; i++) {
                Fact f;
                try {
                    f = new Fact(readString(in, file), readString(in, file), readString(in, file));
                } catch (InvalidInputException e) {
                    throw new CorruptDataException(file + ": fact " + i + ": " + e.getMessage(), e);
                }
                if (!byText.containsKey(f.subject()) || !byText.containsKey(f.object())) {
                    throw new CorruptDataException(file + ": fact " + i + " names a phrase that is not stored");
                }
                facts.add(new KnowledgeGraph.FactEntry(f, readVector(in, dim)));
            }
            int nPassages = count(in, file, "passages");
            List<KnowledgeGraph.PassageEntry> passages = new ArrayList<>(nPassages);
            for (int i = 0; i < nPassages; i++) {
                Chunk c;
                try {
                    c = new Chunk(readString(in, file), readString(in, file), readString(in, file), in.readInt(),
                            in.readInt(), in.readInt());
                } catch (InvalidInputException e) {
                    throw new CorruptDataException(file + ": passage " + i + ": " + e.getMessage(), e);
                }
                float[] v = readVector(in, dim);
                int nf = count(in, file, "facts of passage '" + c.id() + "'");
                List<Fact> pf = new ArrayList<>(nf);
                for (int k = 0; k < nf; k++) {
                    int j = in.readInt();
                    if (j < 0 || j >= nFacts) {
                        throw new CorruptDataException(file + ": fact index " + j + " of passage '" + c.id()
                                + "' is out of range");
                    }
                    pf.add(facts.get(j).fact);
                }
                passages.add(new KnowledgeGraph.PassageEntry(c, v, pf));
            }
            if (in.read() != -1) {
                throw new CorruptDataException(file + ": unexpected data after the last passage");
            }
            CsrGraph csr = readCsr(csrFile, nPassages + nPhrases);
            g.restore(passages, phrases, facts);
            g.installSnapshot(GraphSnapshot.build(g, csr));
        } catch (EOFException e) {
            throw new CorruptDataException(file + ": truncated file", e);
        } catch (NoSuchFileException e) {
            throw new CorruptDataException("saved graph is incomplete: " + e.getFile() + " is missing", e);
        } catch (IOException e) {
            throw new CorruptDataException(file + ": unreadable: " + e.getMessage(), e);
        }
    }

    // ---- CSR ----

    private static void writeCsr(CsrGraph g, Path file) throws IOException {
        try (LittleEndianDataOutput out = new LittleEndianDataOutput(new BufferedOutputStream(Files.newOutputStream(file),
                1 << 16))) {
            out.write(CSR_MAGIC);
            out.writeInt(VERSION);
            out.writeInt(g.nodeCount());
            out.writeInt(g.entryCount());
            for (int v : g.rowStartArray()) {
                out.writeInt(v);
            }
            for (int v : g.columnArray()) {
                out.writeInt(v);
            }
            for (double v : g.weightArray()) {
                out.writeDouble(v);
            }
        }
    }

    private static CsrGraph readCsr(Path file, int expectedNodes) throws IOException {
        try (LittleEndianDataInput in = new LittleEndianDataInput(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            checkMagic(in, CSR_MAGIC, file);
            int n = count(in, file, "nodes");
            if (n != expectedNodes) {
                throw new CorruptDataException(file + ": field 'nodes' is " + n + ", the store holds " + expectedNodes
                        + " passages and phrases");
            }
            int m = count(in, file, "entries");
            int[] start = new int[n + 1];
            for (int i = 0; i <= n; i++) {
                start[i] = in.readInt();
            }
            int[] cols = new int[m];
            for (int i = 0; i < m; i++) {
                cols[i] = in.readInt();
            }
            double[] w = new double[m];
            for (int i = 0; i < m; i++) {
                w[i] = in.readDouble();
            }
            if (in.read() != -1) {
                throw new CorruptDataException(file + ": unexpected data after the CSR arrays");
            }
            return CsrGraph.ofArrays(n, start, cols, w, file.toString());
        } catch (EOFException e) {
            throw new CorruptDataException(file + ": truncated file", e);
        }
    }

    // ---- primitives ----

    private static void checkMagic(LittleEndianDataInput in, byte[] magic, Path file) throws IOException {
        byte[] m = new byte[magic.length];
        in.readFully(m);
        if (!Arrays.equals(m, magic)) {
            throw new CorruptDataException(file + ": bad magic header (expected "
                    + new String(magic, StandardCharsets.US_ASCII) + ")");
        }
        int version = in.readInt();
        if (version != VERSION) {
            throw new UnsupportedFormatException(file + ": unsupported version " + version + " (this library reads "
                    + VERSION + ")");
        }
    }

    private static int count(LittleEndianDataInput in, Path file, String field) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_COUNT) {
            throw new CorruptDataException(file + ": count of " + field + " is " + n);
        }
        return n;
    }

    private static void writeString(LittleEndianDataOutput out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(LittleEndianDataInput in, Path file) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 64 << 20) {
            throw new CorruptDataException(file + ": string length " + n + " is out of range");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void writeVector(LittleEndianDataOutput out, float[] v) throws IOException {
        for (float x : v) {
            out.writeFloat(x);
        }
    }

    private static float[] readVector(LittleEndianDataInput in, int dim) throws IOException {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) {
            v[i] = in.readFloat();
        }
        return v;
    }
}
