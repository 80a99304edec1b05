package dev.memorag.retrieval.graph;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.memorag.error.StorageException;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads precomputed OpenIE results in HippoRAG's JSON format: {@code {"docs":[{"passage", "extracted_entities",
 * "extracted_triples", ...}]}}, where the two extracted fields are JSON arrays or Python-literal strings of them
 * (parsed by {@link PythonLiteral}, never evaluated). Triples that are not exactly three scalars are dropped and
 * listed in {@link Document#problems()}; numbers become strings as in HippoRAG.
 *
 * <p>Thread-safety: stateless.
 */
public final class OpenIeImport {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    private OpenIeImport() {
    }

    /**
     * One document of the file.
     *
     * <p>Thread-safety: immutable.
     *
     * @param passage the passage text the extraction ran on (HippoRAG: title + "\n" + text)
     * @param entities named entities
     * @param triples well-formed triples (fields may still be empty or too long; the graph validates them)
     * @param problems malformed entries that were skipped, each naming the document index and the entry
     */
    public record Document(String passage, List<String> entities, List<Triple> triples, List<String> problems) {
        public Document {
            entities = List.copyOf(entities);
            triples = List.copyOf(triples);
            problems = List.copyOf(problems);
        }
    }

    /**
     * Reads {@code file}.
     *
     * @throws InvalidInputException when the file is missing or not in this format (the message names the file, the
     *     document index and the field)
     */
    public static List<Document> read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("OpenIE file not found: " + file);
        } catch (JsonProcessingException e) {
            throw new CorruptDataException(file + ": not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new StorageException("cannot read OpenIE file " + file + ": " + e.getMessage(), e);
        }
        JsonNode docs = root == null ? null : root.get("docs");
        if (docs == null || !docs.isArray()) {
            throw new InvalidInputException(file + ": field 'docs' (an array) is missing");
        }
        List<Document> out = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            JsonNode d = docs.get(i);
            String where = file + " docs[" + i + "]";
            JsonNode passage = d.get("passage");
            if (passage == null || !passage.isTextual()) {
                throw new InvalidInputException(where + ": field 'passage' (a string) is missing");
            }
            List<String> problems = new ArrayList<>();
            List<String> entities = new ArrayList<>();
            for (Object e : list(d.get("extracted_entities"), where + ".extracted_entities")) {
                String s = scalar(e);
                if (s == null) {
                    problems.add(where + ": entity " + e + " is not a string");
                } else {
                    entities.add(s);
                }
            }
            List<Triple> triples = new ArrayList<>();
            List<Object> raw = list(d.get("extracted_triples"), where + ".extracted_triples");
            for (int t = 0; t < raw.size(); t++) {
                Triple triple = triple(raw.get(t));
                if (triple == null) {
                    problems.add(where + ": triple " + t + " is not three strings: " + raw.get(t));
                } else {
                    triples.add(triple);
                }
            }
            out.add(new Document(passage.asText(), entities, triples, problems));
        }
        return out;
    }

    private static List<Object> list(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        Object v;
        if (node.isTextual()) {
            v = PythonLiteral.parse(node.asText(), where);
        } else {
            v = JSON.convertValue(node, Object.class);
        }
        if (!(v instanceof List<?> l)) {
            throw new InvalidInputException(where + ": expected a list, found " + node.getNodeType());
        }
        return new ArrayList<>(l);
    }

    private static Triple triple(Object o) {
        if (!(o instanceof List<?> l) || l.size() != 3) {
            return null;
        }
        String s = scalar(l.get(0));
        String r = scalar(l.get(1));
        String ob = scalar(l.get(2));
        return s == null || r == null || ob == null ? null : new Triple(s, r, ob);
    }

    private static String scalar(Object o) {
        if (o instanceof String s) {
            return s;
        }
        if (o instanceof Number || o instanceof Boolean) {
            return String.valueOf(o);
        }
        return null;
    }
}
