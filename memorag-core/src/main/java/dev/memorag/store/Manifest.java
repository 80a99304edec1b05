package dev.memorag.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.error.UnsupportedFormatException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The content of a save directory's {@code manifest.json}; see {@link SaveFormat} for the format.
 *
 * <p>Thread-safety: immutable.
 *
 * @param formatVersion layout version, {@link SaveFormat#FORMAT_VERSION} for saves this library writes
 * @param libraryVersion version of the library that wrote the save
 * @param createdAt when the save was written
 * @param components component name to descriptor, sorted by name
 * @param files every payload file, sorted by path, without duplicates
 */
public record Manifest(int formatVersion, String libraryVersion, Instant createdAt,
        Map<String, ComponentDescriptor> components, List<FileEntry> files) {

    public Manifest {
        if (formatVersion < 1) {
            throw new InvalidInputException("Manifest.formatVersion must be >= 1, was " + formatVersion);
        }
        if (libraryVersion == null || libraryVersion.isBlank()) {
            throw new InvalidInputException("Manifest.libraryVersion must not be empty");
        }
        if (createdAt == null) {
            throw new InvalidInputException("Manifest.createdAt must not be null");
        }
        if (components == null) {
            throw new InvalidInputException("Manifest.components must not be null");
        }
        if (files == null) {
            throw new InvalidInputException("Manifest.files must not be null");
        }
        TreeMap<String, ComponentDescriptor> c = new TreeMap<>();
        components.forEach((name, d) -> {
            checkComponentName(name);
            if (d == null) {
                throw new InvalidInputException("Manifest.components: descriptor of '" + name + "' must not be null");
            }
            c.put(name, d);
        });
        components = Collections.unmodifiableMap(c);
        List<FileEntry> f = new ArrayList<>(files);
        f.sort(Comparator.comparing(FileEntry::path));
        for (int i = 1; i < f.size(); i++) {
            if (f.get(i).path().equals(f.get(i - 1).path())) {
                throw new InvalidInputException("Manifest.files lists '" + f.get(i).path() + "' twice");
            }
        }
        files = List.copyOf(f);
    }

    /** Component names are simple identifiers so that they can double as directory names. */
    static void checkComponentName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            throw new InvalidInputException("Manifest component name must match [A-Za-z0-9][A-Za-z0-9_.-]*, was "
                    + (name == null ? "null" : "'" + name + "'"));
        }
    }

    /** The descriptor of a component, if present. */
    public Optional<ComponentDescriptor> findComponent(String name) {
        return Optional.ofNullable(components.get(name));
    }

    /**
     * The descriptor of a component that must be present.
     *
     * @throws StateException naming the component and those present when it is missing
     */
    public ComponentDescriptor component(String name) {
        ComponentDescriptor d = components.get(name);
        if (d == null) {
            throw new StateException("save has no component '" + name + "' (has " + components.keySet() + ")");
        }
        return d;
    }

    /** The entry of a listed file, if present. */
    public Optional<FileEntry> file(String path) {
        for (FileEntry e : files) {
            if (e.path().equals(path)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** Total bytes of all payload files. */
    public long totalSize() {
        return files.stream().mapToLong(FileEntry::size).sum();
    }

    /** The manifest as the JSON object stored in {@code manifest.json}. */
    public ObjectNode toJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put(SaveFormat.FIELD_FORMAT_VERSION, formatVersion);
        root.put(SaveFormat.FIELD_LIBRARY_VERSION, libraryVersion);
        root.put(SaveFormat.FIELD_CREATED_AT, createdAt.toString());
        ObjectNode comps = root.putObject(SaveFormat.FIELD_COMPONENTS);
        components.forEach((name, d) -> comps.set(name, d.toJson()));
        ArrayNode list = root.putArray(SaveFormat.FIELD_FILES);
        for (FileEntry e : files) {
            list.addObject().put(SaveFormat.FIELD_PATH, e.path()).put(SaveFormat.FIELD_SIZE, e.size())
                    .put(SaveFormat.FIELD_SHA256, e.sha256());
        }
        return root;
    }

    /**
     * Parses a manifest read from {@code file}.
     *
     * @throws UnsupportedFormatException when {@code format_version} is not {@link SaveFormat#FORMAT_VERSION}
     * @throws CorruptDataException naming the file, field and value for anything else malformed
     */
    static Manifest fromJson(JsonNode root, Path file) {
        if (root == null || !root.isObject()) {
            throw new CorruptDataException(file + ": not a JSON object");
        }
        JsonNode fv = root.get(SaveFormat.FIELD_FORMAT_VERSION);
        if (fv == null || !fv.isIntegralNumber() || !fv.canConvertToInt()) {
            throw new CorruptDataException(file + ": field '" + SaveFormat.FIELD_FORMAT_VERSION
                    + "' must be an integer, was " + fv);
        }
        if (fv.intValue() != SaveFormat.FORMAT_VERSION) {
            throw new UnsupportedFormatException(file + ": field '" + SaveFormat.FIELD_FORMAT_VERSION + "' is "
                    + fv.intValue() + ", this library reads only version " + SaveFormat.FORMAT_VERSION + ": "
                    + SaveFormat.versionAdvice(fv.intValue()));
        }
        String lib = text(root, SaveFormat.FIELD_LIBRARY_VERSION, file);
        Instant created;
        String createdText = text(root, SaveFormat.FIELD_CREATED_AT, file);
        try {
            created = Instant.parse(createdText);
        } catch (DateTimeParseException e) {
            throw new CorruptDataException(file + ": field '" + SaveFormat.FIELD_CREATED_AT
                    + "' is not an ISO-8601 instant: '" + createdText + "'", e);
        }
        JsonNode comps = root.get(SaveFormat.FIELD_COMPONENTS);
        if (comps == null || !comps.isObject()) {
            throw new CorruptDataException(file + ": field '" + SaveFormat.FIELD_COMPONENTS
                    + "' must be an object, was " + comps);
        }
        Map<String, ComponentDescriptor> components = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = comps.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String where = file + ": component '" + e.getKey() + "'";
            if (!e.getValue().isObject()) {
                throw new CorruptDataException(where + " must be an object, was " + e.getValue());
            }
            try {
                checkComponentName(e.getKey());
            } catch (InvalidInputException bad) {
                throw new CorruptDataException(file + ": " + bad.getMessage(), bad);
            }
            components.put(e.getKey(), ComponentDescriptor.of((ObjectNode) e.getValue(), where));
        }
        JsonNode list = root.get(SaveFormat.FIELD_FILES);
        if (list == null || !list.isArray()) {
            throw new CorruptDataException(file + ": field '" + SaveFormat.FIELD_FILES + "' must be an array, was "
                    + list);
        }
        List<FileEntry> files = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode e = list.get(i);
            String field = SaveFormat.FIELD_FILES + "[" + i + "]";
            JsonNode path = e.get(SaveFormat.FIELD_PATH);
            JsonNode size = e.get(SaveFormat.FIELD_SIZE);
            JsonNode sha = e.get(SaveFormat.FIELD_SHA256);
            if (path == null || !path.isTextual() || size == null || !size.isIntegralNumber()
                    || !size.canConvertToLong() || sha == null || !sha.isTextual()) {
                throw new CorruptDataException(file + ": field '" + field
                        + "' needs a string path, an integer size and a string sha256, was " + e);
            }
            try {
                files.add(new FileEntry(path.textValue(), size.longValue(), sha.textValue()));
            } catch (InvalidInputException bad) {
                throw new CorruptDataException(file + ": field '" + field + "': " + bad.getMessage(), bad);
            }
            if (!seen.add(path.textValue())) {
                throw new CorruptDataException(file + ": field '" + field + "' lists '" + path.textValue()
                        + "' twice");
            }
        }
        return new Manifest(fv.intValue(), lib, created, components, files);
    }

    private static String text(JsonNode root, String field, Path file) {
        JsonNode v = root.get(field);
        if (v == null || !v.isTextual() || v.textValue().isBlank()) {
            throw new CorruptDataException(file + ": field '" + field + "' must be a non-empty string, was " + v);
        }
        return v.textValue();
    }
}
