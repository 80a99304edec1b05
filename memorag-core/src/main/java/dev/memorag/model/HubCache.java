package dev.memorag.model;

import dev.memorag.error.DownloadException;
import dev.memorag.error.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The on-disk layout shared with the Python Hugging Face tools, rooted at the hub cache directory
 * ({@code $HF_HOME/hub}):
 *
 * <pre>
 * models--ORG--NAME/
 *   blobs/&lt;etag&gt;                  file contents, named by the hub's ETag (sha256 for LFS files, git oid otherwise)
 *   blobs/&lt;etag&gt;.incomplete       a download in progress (resumed with an HTTP Range request)
 *   snapshots/&lt;commit&gt;/&lt;path&gt;     relative symlinks to ../../blobs/&lt;etag&gt; (copies where links are unsupported)
 *   refs/&lt;revision&gt;              the commit hash a branch or tag name pointed to when downloaded
 * .locks/models--ORG--NAME/&lt;etag&gt;.lock
 * </pre>
 *
 * <p>Thread-safety: stateless apart from the immutable root; callers serialise writes to one blob.
 */
final class HubCache {
    static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");
    private static final Pattern ETAG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final Path hubDir;

    HubCache(Path hubDir) {
        this.hubDir = hubDir.toAbsolutePath().normalize();
    }

    Path hubDir() {
        return hubDir;
    }

    Path repoDir(RepoId repo) {
        return hubDir.resolve(repo.cacheFolderName());
    }

    /** The snapshot folder for {@code revision} (a branch, tag or commit hash) if it is in the cache. */
    Optional<Path> findSnapshot(RepoId repo, String revision) {
        Path repoDir = repoDir(repo);
        if (COMMIT.matcher(revision).matches()) {
            Path snap = repoDir.resolve("snapshots").resolve(revision);
            if (Files.isDirectory(snap)) {
                return Optional.of(snap);
            }
        }
        Path ref = repoDir.resolve("refs").resolve(revision);
        if (!Files.isRegularFile(ref)) {
            return Optional.empty();
        }
        String commit;
        try {
            commit = Files.readString(ref, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new DownloadException("cannot read cache ref " + ref + ": " + e.getMessage(), e);
        }
        if (!ETAG.matcher(commit).matches()) {
            // A ref we cannot trust as a folder name is treated as absent rather than followed.
            return Optional.empty();
        }
        Path snap = repoDir.resolve("snapshots").resolve(commit);
        return Files.isDirectory(snap) ? Optional.of(snap) : Optional.empty();
    }

    Path snapshotDir(RepoId repo, String commit) {
        return repoDir(repo).resolve("snapshots").resolve(safeName(commit, "commit"));
    }

    Path blob(RepoId repo, String etag) {
        return repoDir(repo).resolve("blobs").resolve(safeName(etag, "ETag"));
    }

    Path incomplete(RepoId repo, String etag) {
        return repoDir(repo).resolve("blobs").resolve(safeName(etag, "ETag") + ".incomplete");
    }

    Path lockFile(RepoId repo, String etag) {
        return hubDir.resolve(".locks").resolve(repo.cacheFolderName()).resolve(safeName(etag, "ETag") + ".lock");
    }

    /** {@code snapshots/<commit>/<file>}, refusing repository file names that would escape the snapshot folder. */
    Path snapshotFile(RepoId repo, String commit, String file) {
        Path snap = snapshotDir(repo, commit);
        boolean ok = !file.isEmpty() && !file.startsWith("/") && file.indexOf('\\') < 0 && file.indexOf('\0') < 0;
        if (ok) {
            for (String seg : file.split("/", -1)) {
                ok &= !seg.isEmpty() && !seg.equals(".") && !seg.equals("..");
            }
        }
        Path target = ok ? snap.resolve(file).normalize() : null;
        if (target == null || !target.startsWith(snap) || target.equals(snap)) {
            throw new DownloadException("repository " + repo + " lists an unsafe file name: '" + file + "'");
        }
        return target;
    }

    /** Points {@code target} at {@code blob} with a relative symlink, or copies it where links are not supported. */
    void link(Path blob, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Files.deleteIfExists(target);
        try {
            Files.createSymbolicLink(target, target.getParent().relativize(blob));
        } catch (UnsupportedOperationException | FileSystemException e) {
            Files.copy(blob, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Records that {@code revision} resolved to {@code commit}; a no-op when the revision is the commit itself. */
    void writeRef(RepoId repo, String revision, String commit) throws IOException {
        if (revision.equals(commit)) {
            return;
        }
        Path ref = repoDir(repo).resolve("refs").resolve(revision);
        Files.createDirectories(ref.getParent());
        Path tmp = Files.createTempFile(ref.getParent(), ".ref", ".tmp");
        Files.writeString(tmp, commit, StandardCharsets.UTF_8);
        moveAtomically(tmp, ref);
    }

    static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Validates a revision name (branch, tag, {@code refs/pr/1} or commit hash). */
    static String checkRevision(String revision) {
        if (revision == null || !REVISION.matcher(revision).matches() || revision.contains("..")) {
            throw new InvalidInputException("invalid revision '" + revision
                    + "': expected a branch, tag or commit hash (letters, digits, . _ - /)");
        }
        return revision;
    }

    private static String safeName(String s, String what) {
        if (s == null || !ETAG.matcher(s).matches()) {
            throw new DownloadException("hub returned an unusable " + what + " '" + s + "'");
        }
        return s;
    }
}
