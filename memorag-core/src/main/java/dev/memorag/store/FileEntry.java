package dev.memorag.store;

import dev.memorag.error.InvalidInputException;
import java.util.regex.Pattern;

/**
 * One payload file of a save directory as listed in its manifest.
 *
 * <p>Thread-safety: immutable.
 *
 * @param path path relative to the save directory, {@code /}-separated, without {@code .} or {@code ..} segments
 * @param size size in bytes
 * @param sha256 SHA-256 of the content, 64 lowercase hex digits
 */
public record FileEntry(String path, long size, String sha256) {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    public FileEntry {
        checkRelativePath(path, "FileEntry.path");
        if (size < 0) {
            throw new InvalidInputException("FileEntry.size of " + path + " must be >= 0, was " + size);
        }
        if (sha256 == null || !HEX64.matcher(sha256).matches()) {
            throw new InvalidInputException("FileEntry.sha256 of " + path + " must be 64 lowercase hex digits, was "
                    + (sha256 == null ? "null" : "'" + sha256 + "'"));
        }
    }

    /**
     * Checks that {@code path} stays inside the directory it is resolved against: relative, {@code /}-separated,
     * no empty, {@code .} or {@code ..} segments, no backslash or NUL, and not the manifest itself.
     *
     * @throws InvalidInputException naming {@code field} and the value otherwise
     */
    static void checkRelativePath(String path, String field) {
        if (path == null || path.isEmpty()) {
            throw new InvalidInputException(field + " must not be empty");
        }
        String why = null;
        if (path.startsWith("/") || path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0 || path.indexOf(':') >= 0) {
            why = "must be a relative '/'-separated path";
        } else {
            for (String seg : path.split("/", -1)) {
                if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                    why = "must not contain empty, '.' or '..' segments (it would leave the save directory)";
                    break;
                }
            }
        }
        if (why == null && path.equals(SaveFormat.MANIFEST)) {
            why = "must not be the manifest itself";
        }
        if (why != null) {
            throw new InvalidInputException(field + " " + why + ", was '" + path + "'");
        }
    }
}
