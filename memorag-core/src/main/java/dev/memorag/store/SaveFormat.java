package dev.memorag.store;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The on-disk format of a save directory (version {@value #FORMAT_VERSION}), written by {@link SaveDirectory#write}
 * and read by {@link SaveDirectory#open}. The same description is in {@code docs/format.md}.
 *
 * <h2>Layout</h2>
 * <pre>
 * parent/
 *   mysave/                 the save directory
 *     manifest.json         written last; its presence marks a complete save
 *     memory/ ...           one sub-directory per component, filled by that component
 *     index/ ...
 *     chunks/ ...
 *   mysave.lock             lock file of writers (empty, left in place)
 * </pre>
 * Each component documents its own files; binary files start with a magic header and a version number, text files
 * are JSON. Nothing in a save is ever executed or deserialised into arbitrary classes.
 *
 * <h2>manifest.json</h2>
 * A UTF-8 JSON object:
 * <ul>
 * <li>{@code format_version} (int, required): {@value #FORMAT_VERSION}. A reader rejects any other value with
 * {@link dev.memorag.error.UnsupportedFormatException}; any change that an older reader could not safely ignore bumps it.
 * <li>{@code library_version} (string): version of the library that wrote the save (informational).
 * <li>{@code created_at} (string): ISO-8601 UTC instant of the write.
 * <li>{@code components} (object): component name to a free-form JSON object describing it, for example
 * {@code "memory": {"model_id": "TommyChien/memorag-qwen2-7b-inst", "model_revision": "…", "hidden_size": 3584}} or
 * {@code "index": {"embedder_id": "BAAI/bge-m3", "dimension": 1024, "kind": "flat"}}; see
 * {@link ComponentDescriptor} for the conventional field names.
 * <li>{@code files} (array): every payload file, sorted by path: {@code {"path": "index/vectors.bin", "size": 4096,
 * "sha256": "…64 lowercase hex…"}}. Paths are relative, separated by {@code /}, and never contain {@code .} or
 * {@code ..} segments. {@code manifest.json} itself is not listed.
 * </ul>
 * Unknown fields are ignored. Files present in the directory but not listed are ignored (they are not part of the
 * save).
 *
 * <h2>Writing</h2>
 * A writer holds an exclusive lock on {@code <name>.lock} (a second writer fails at once), fills a temporary sibling
 * {@code .<name>.tmp}, writes {@code manifest.json} last, flushes everything to disk, then moves the old save aside to
 * {@code .<name>.old}, moves the new one into place and deletes the old one. A failure at any point leaves the
 * previous save as it was. A crash between the two moves leaves only {@code .<name>.old}; the next write puts it back
 * before starting, and {@link SaveDirectory#open} names it in its error.
 *
 * <h2>Reading</h2>
 * Opening parses the manifest, checks the format version, and checks that each listed file exists, is a regular file
 * (not a link) of the listed size and, unless verification is deferred, has the listed sha256. Reading never modifies
 * anything on disk.
 *
 * <p>Thread-safety: constants only.
 */
public final class SaveFormat {
    /** Version of the layout and manifest described here. */
    public static final int FORMAT_VERSION = 1;
    /** Name of the manifest file at the root of a save directory. */
    public static final String MANIFEST = "manifest.json";
    /** Suffix of the writers' lock file, a sibling of the save directory. */
    public static final String LOCK_SUFFIX = ".lock";
    /** Suffix of the temporary sibling a write fills ({@code .<name>.tmp}). */
    public static final String TEMP_SUFFIX = ".tmp";
    /** Suffix of the sibling the previous save is moved to during replacement ({@code .<name>.old}). */
    public static final String OLD_SUFFIX = ".old";

    /** Manifest field: format version. */
    public static final String FIELD_FORMAT_VERSION = "format_version";
    /** Manifest field: library version. */
    public static final String FIELD_LIBRARY_VERSION = "library_version";
    /** Manifest field: creation instant. */
    public static final String FIELD_CREATED_AT = "created_at";
    /** Manifest field: component descriptors. */
    public static final String FIELD_COMPONENTS = "components";
    /** Manifest field: file list. */
    public static final String FIELD_FILES = "files";
    /** File entry field: relative path. */
    public static final String FIELD_PATH = "path";
    /** File entry field: size in bytes. */
    public static final String FIELD_SIZE = "size";
    /** File entry field: sha256 in lowercase hex. */
    public static final String FIELD_SHA256 = "sha256";

    private static final String LIBRARY_VERSION = readLibraryVersion();

    private SaveFormat() {
    }

    /** The version of this library as recorded in new manifests ({@code "development"} when run from classes). */
    public static String libraryVersion() {
        return LIBRARY_VERSION;
    }

    private static String readLibraryVersion() {
        // maven-jar-plugin puts pom.properties into every jar it builds; absent when running from target/classes
        try (InputStream in = SaveFormat.class.getResourceAsStream(
                "/META-INF/maven/dev.memorag/memorag-core/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank()) {
                    return v.trim();
                }
            }
        } catch (IOException e) {
            // fall through: the version is informational only
        }
        return "development";
    }
}
