package dev.memorag.model;

import dev.memorag.error.InvalidInputException;
import java.util.regex.Pattern;

/**
 * A Hugging Face model repository id such as {@code BAAI/bge-m3} or {@code gpt2}.
 *
 * <p>Validated so that it can be used safely as a URL path and as a cache folder name: one or two segments of letters,
 * digits, {@code . _ -}, each starting with a letter or digit, without {@code --} or {@code ..} (which the hub also
 * forbids, and which would make the cache folder name ambiguous).
 *
 * <p>Thread-safety: immutable.
 *
 * @param id the repository id, e.g. {@code Qwen/Qwen2.5-0.5B-Instruct}
 */
public record RepoId(String id) {
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}");

    public RepoId {
        if (!isValid(id)) {
            throw new InvalidInputException("not a hub repository id (expected ORG/NAME): '" + id + "'");
        }
    }

    /** Whether {@code s} is a syntactically valid repository id. */
    public static boolean isValid(String s) {
        if (s == null || s.contains("--") || s.contains("..")) {
            return false;
        }
        String[] parts = s.split("/", -1);
        if (parts.length > 2) {
            return false;
        }
        for (String p : parts) {
            if (!SEGMENT.matcher(p).matches()) {
                return false;
            }
        }
        return true;
    }

    /** The cache folder name used by the Python tools: {@code models--ORG--NAME}. */
    public String cacheFolderName() {
        return "models--" + id.replace("/", "--");
    }

    @Override
    public String toString() {
        return id;
    }
}
