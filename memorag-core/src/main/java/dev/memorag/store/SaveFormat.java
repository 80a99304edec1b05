package dev.memorag.store;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Constants of the save-directory format, version {@value #FORMAT_VERSION}: the manifest's field names and the file
 * names around it. The layout and every file and field of a save are written down once, in {@code docs/format.md}
 * (made from a real save); the golden saves in {@code src-test-data/saves} keep it honest.
 *
 * <p>Thread-safety: constants only.
 */
public final class SaveFormat {
    /** Version of the layout; 2: one JSON key style (snake_case), little-endian binaries, each fact in one file. */
    public static final int FORMAT_VERSION = 2;
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

    /** What to do about a save of format {@code version} that this library does not read. */
    public static String versionAdvice(int version) {
        return version < FORMAT_VERSION
                ? "the save was written by an older version; re-memorise the text (CLI: memorag memorize --replace) "
                        + "to write it in the current format"
                : "the save was written by a newer version of the library; use that version or re-memorise the text";
    }
}
