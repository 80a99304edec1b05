package dev.memorag.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The manifest's description of one component of a save (the memory, an index, the chunks): a free-form JSON object
 * with typed accessors. Conventional field names are the {@code *} constants below; a component may add its own.
 *
 * <p>Accessors fail with {@link CorruptDataException} naming the component and field when a field is missing or of
 * the wrong type, since a descriptor read from disk that lacks what its component needs is a damaged save.
 *
 * <p>Thread-safety: immutable (the JSON is copied in and out).
 */
public final class ComponentDescriptor {
    /** Conventional field: the format of the component's own files, e.g. {@code "memorag-beacon-kv"}. */
    public static final String FORMAT = "format";
    /** Conventional field: the version of the component's own files. */
    public static final String VERSION = "version";
    /** Conventional field: model id (a Hugging Face repository id or a local path). */
    public static final String MODEL_ID = "model_id";
    /** Conventional field: model revision (commit hash). */
    public static final String MODEL_REVISION = "model_revision";
    /** Conventional field: embedder id. */
    public static final String EMBEDDER_ID = "embedder_id";
    /** Conventional field: vector or hidden dimension. */
    public static final String DIMENSION = "dimension";
    /** Conventional field: kind of index or component variant. */
    public static final String KIND = "kind";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode fields;
    private final String where;

    private ComponentDescriptor(ObjectNode fields, String where) {
        this.fields = fields;
        this.where = where;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Wraps a copy of {@code json}; {@code where} names the source in error messages (file and component). */
    static ComponentDescriptor of(ObjectNode json, String where) {
        return new ComponentDescriptor(json.deepCopy(), where);
    }

    /** A copy of the descriptor as JSON. */
    public ObjectNode toJson() {
        return fields.deepCopy();
    }

    /** Field names in insertion order. */
    public List<String> fieldNames() {
        List<String> names = new ArrayList<>();
        fields.fieldNames().forEachRemaining(names::add);
        return Collections.unmodifiableList(names);
    }

    public boolean has(String field) {
        return fields.hasNonNull(field);
    }

    /** A copy of a field's JSON value, if present. */
    public Optional<JsonNode> json(String field) {
        JsonNode v = fields.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v.deepCopy());
    }

    /** A required string field. */
    public String string(String field) {
        JsonNode v = require(field);
        if (!v.isTextual()) {
            throw wrongType(field, "a string", v);
        }
        return v.textValue();
    }

    /** An optional string field. */
    public Optional<String> optionalString(String field) {
        return has(field) ? Optional.of(string(field)) : Optional.empty();
    }

    /** A required integer field that fits an {@code int}. */
    public int integer(String field) {
        JsonNode v = require(field);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw wrongType(field, "an int", v);
        }
        return v.intValue();
    }

    /** A required integer field. */
    public long longValue(String field) {
        JsonNode v = require(field);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw wrongType(field, "a long", v);
        }
        return v.longValue();
    }

    /** A required number field. */
    public double number(String field) {
        JsonNode v = require(field);
        if (!v.isNumber()) {
            throw wrongType(field, "a number", v);
        }
        return v.doubleValue();
    }

    /** A required boolean field. */
    public boolean bool(String field) {
        JsonNode v = require(field);
        if (!v.isBoolean()) {
            throw wrongType(field, "a boolean", v);
        }
        return v.booleanValue();
    }

    private JsonNode require(String field) {
        JsonNode v = fields.get(field);
        if (v == null || v.isNull()) {
            throw new CorruptDataException(where + ": field '" + field + "' is missing");
        }
        return v;
    }

    private CorruptDataException wrongType(String field, String expected, JsonNode v) {
        return new CorruptDataException(where + ": field '" + field + "' must be " + expected + ", was " + v);
    }

    /** Equal when the JSON content is equal (the error-message source is not compared). */
    @Override
    public boolean equals(Object o) {
        return o instanceof ComponentDescriptor d && fields.equals(d.fields);
    }

    @Override
    public int hashCode() {
        return fields.hashCode();
    }

    @Override
    public String toString() {
        return fields.toString();
    }

    /**
     * Collects descriptor fields.
     *
     * <p>Thread-safety: not thread-safe.
     */
    public static final class Builder {
        private final ObjectNode fields = JsonNodeFactory.instance.objectNode();

        private Builder() {
        }

        public Builder put(String field, String value) {
            fields.put(checkField(field), requireValue(field, value));
            return this;
        }

        public Builder put(String field, long value) {
            fields.put(checkField(field), value);
            return this;
        }

        public Builder put(String field, double value) {
            if (!Double.isFinite(value)) {
                throw new InvalidInputException("ComponentDescriptor field '" + field + "' must be finite, was "
                        + value);
            }
            fields.put(checkField(field), value);
            return this;
        }

        public Builder put(String field, boolean value) {
            fields.put(checkField(field), value);
            return this;
        }

        /** Any JSON value (copied), for nested structures. */
        public Builder put(String field, JsonNode value) {
            fields.set(checkField(field), requireValue(field, value).deepCopy());
            return this;
        }

        public ComponentDescriptor build() {
            // normalise number node types to what parsing the manifest yields, so that a written descriptor equals
            // the one read back (Jackson's LongNode(64) is not equal to IntNode(64))
            try {
                ObjectNode canonical = (ObjectNode) JSON.readTree(JSON.writeValueAsBytes(fields));
                return new ComponentDescriptor(canonical, "component descriptor");
            } catch (IOException e) {
                throw new IllegalStateException("re-reading JSON just written cannot fail", e);
            }
        }

        private static String checkField(String field) {
            if (field == null || field.isEmpty()) {
                throw new InvalidInputException("ComponentDescriptor field name must not be empty");
            }
            return field;
        }

        private static <T> T requireValue(String field, T value) {
            if (value == null) {
                throw new InvalidInputException("ComponentDescriptor field '" + field + "' must not be null");
            }
            return value;
        }
    }
}
