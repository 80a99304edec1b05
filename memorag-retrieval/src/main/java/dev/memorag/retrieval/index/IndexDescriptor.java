package dev.memorag.retrieval.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.StorageException;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.UnsupportedFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads and writes the small JSON descriptors ({@code format}, {@code version} and index-specific fields) that make
 * saved indexes self-describing.
 *
 * <p>Thread-safety: stateless.
 */
public final class IndexDescriptor {
    static final ObjectMapper JSON = new ObjectMapper();

    private IndexDescriptor() {
    }

    /** A new descriptor object with {@code format} and {@code version} set. */
    public static ObjectNode create(String format, int version) {
        ObjectNode n = JSON.createObjectNode();
        n.put("format", format);
        n.put("version", version);
        return n;
    }

    public static void write(Path file, ObjectNode node) {
        try {
            Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (IOException e) {
            throw new StorageException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads {@code file} and checks its {@code format} and {@code version}. */
    public static JsonNode read(Path file, String format, int version) {
        JsonNode n;
        try {
            n = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("index descriptor not found: " + file, e);
        } catch (IOException e) {
            throw new CorruptDataException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject() || !format.equals(n.path("format").asText())) {
            throw new CorruptDataException(file + ": field 'format' is '" + (n == null ? null : n.path("format").asText())
                    + "', expected '" + format + "'");
        }
        int v = n.path("version").asInt(-1);
        if (v != version) {
            throw new UnsupportedFormatException(file + ": field 'version' is " + v + ", this library reads " + version);
        }
        return n;
    }

    /** A required integer field. */
    public static int intField(JsonNode n, Path file, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new CorruptDataException(file + ": field '" + field + "' is missing or not an integer: " + v);
        }
        return v.asInt();
    }

    /** A required text field. */
    public static String textField(JsonNode n, Path file, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new CorruptDataException(file + ": field '" + field + "' is missing or not a string: " + v);
        }
        return v.asText();
    }
}
