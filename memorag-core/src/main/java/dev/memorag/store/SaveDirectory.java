package dev.memorag.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.memorag.error.StorageException;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.MemoRagException;
import dev.memorag.error.StateException;
import dev.memorag.api.ProgressListener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A verified save directory (see {@link SaveFormat}): {@link #write} creates or atomically replaces one,
 * {@link #open} checks one and gives access to its manifest and files.
 *
 * <p>Thread-safety: an opened instance is thread-safe. {@link #write} is safe to call from several threads and
 * processes: all but one concurrent writer of the same target fail with {@link StateException}.
 */
public final class SaveDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(SaveDirectory.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final int HASH_BUFFER = 1 << 20;

    private final Path dir;
    private final Manifest manifest;
    private final Verification verification;
    /** Files whose sha256 was checked (all of them under {@link Verification#FULL}). */
    private final Set<String> verified = ConcurrentHashMap.newKeySet();

    private SaveDirectory(Path dir, Manifest manifest, Verification verification) {
        this.dir = dir;
        this.manifest = manifest;
        this.verification = verification;
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes a save to {@code target}, replacing any previous save there atomically.
     *
     * <p>Steps: lock {@code <target>.lock} (deleted again when the write ends); fill the empty temporary sibling {@code .<name>.tmp} through
     * {@code writer}; hash every file it wrote; write {@code manifest.json} last; flush files and directories to disk;
     * move the old save aside, move the new one into place, delete the old one. On any failure the temporary
     * directory is deleted and the previous save is left untouched.
     *
     * @param target the save directory (created or replaced); must not be an existing non-save directory
     * @param components descriptor per component, recorded in the manifest
     * @param writer fills the payload
     * @return the manifest written
     * @throws StateException when another writer holds the lock
     * @throws InvalidInputException for bad arguments or a payload with links or a {@code manifest.json}
     * @throws MemoRagException when writing fails (the previous save is kept)
     */
    public static Manifest write(Path target, Map<String, ComponentDescriptor> components, PayloadWriter writer) {
        return write(target, components, writer, ProgressListener.NONE);
    }

    /**
     * {@link #write(Path, Map, PayloadWriter)} reporting the hashing of the payload as stage {@code "hash save"}
     * in bytes.
     */
    public static Manifest write(Path target, Map<String, ComponentDescriptor> components, PayloadWriter writer,
            ProgressListener progress) {
        if (progress == null) {
            throw new InvalidInputException("SaveDirectory.write: progress must not be null");
        }
        if (target == null) {
            throw new InvalidInputException("SaveDirectory.write: target must not be null");
        }
        if (components == null) {
            throw new InvalidInputException("SaveDirectory.write: components must not be null");
        }
        components.keySet().forEach(Manifest::checkComponentName);
        if (writer == null) {
            throw new InvalidInputException("SaveDirectory.write: writer must not be null");
        }
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) {
            throw new InvalidInputException("SaveDirectory.write: target must not be a file system root: " + target);
        }
        String name = abs.getFileName().toString();
        Path lockFile = parent.resolve(name + SaveFormat.LOCK_SUFFIX);
        Path tmp = parent.resolve("." + name + SaveFormat.TEMP_SUFFIX);
        Path old = parent.resolve("." + name + SaveFormat.OLD_SUFFIX);
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new StorageException("cannot create parent directory " + parent + ": " + e.getMessage(), e);
        }
        try (WriteLock lock = WriteLock.acquire(lockFile, abs)) {
            Manifest manifest;
            try {
                recover(abs, tmp, old);
                checkReplaceable(abs);
                Files.createDirectory(tmp);
                runWriter(writer, tmp, abs);
                List<FileEntry> files = hashPayload(tmp, progress);
                manifest = new Manifest(SaveFormat.FORMAT_VERSION, SaveFormat.libraryVersion(),
                        Instant.now().truncatedTo(ChronoUnit.MILLIS), components, files);
                Path mf = tmp.resolve(SaveFormat.MANIFEST);
                Files.write(mf, JSON.writeValueAsBytes(manifest.toJson()), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
                fsync(mf);
                fsyncDirectories(tmp);
                replace(abs, tmp, old, parent);
            } catch (IOException e) {
                deleteQuietly(tmp);
                throw new StorageException("cannot write save " + abs + ": " + e, e);
            } catch (RuntimeException | Error e) {
                deleteQuietly(tmp);
                throw e;
            }
            LOG.info("saved {} ({} files, {} bytes) in {} ms", abs, manifest.files().size(), manifest.totalSize(),
                    (System.nanoTime() - t0) / 1_000_000);
            return manifest;
        } catch (IOException e) {
            // only opening or releasing the lock gets here
            throw new StorageException("cannot use lock file " + lockFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * The writers' lock: an exclusive lock on {@code <target>.lock}, deleted again by its holder before it releases
     * the lock, so that no lock file stays beside a save. Deleting a lock file is safe only because every holder
     * checks, once it holds the lock, that the path still names the file it locked (through a random token written
     * into it): a writer that opened the file just before the previous holder deleted it locks an orphan, sees a
     * different or no token at the path, and starts again on the current file.
     *
     * <p>Thread-safety: one instance per write, used by one thread.
     */
    private static final class WriteLock implements AutoCloseable {
        /** Restarts after finding an orphaned lock file; each one means another write finished meanwhile. */
        private static final int MAX_ATTEMPTS = 10;
        /**
         * The locked byte range lies beyond the token: on Windows a lock forbids other handles to read the locked
         * range, and the token must stay readable through the path.
         */
        private static final long LOCK_POSITION = Long.MAX_VALUE - 1;

        private final Path file;
        private final FileChannel channel;
        private final FileLock lock;

        private WriteLock(Path file, FileChannel channel, FileLock lock) {
            this.file = file;
            this.channel = channel;
            this.lock = lock;
        }

        static WriteLock acquire(Path file, Path target) throws IOException {
            for (int attempt = 1; ; attempt++) {
                FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                try {
                    FileLock lock = tryLock(channel);
                    if (lock == null) {
                        throw new StateException("save " + target + " is being written by another writer: lock "
                                + file + " is held");
                    }
                    byte[] token = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);
                    channel.truncate(0);
                    channel.write(ByteBuffer.wrap(token), 0);
                    if (Arrays.equals(token, readOrNull(file))) {
                        return new WriteLock(file, channel, lock);
                    }
                    lock.release();
                } catch (IOException | RuntimeException e) {
                    channel.close();
                    throw e;
                }
                channel.close();
                if (attempt == MAX_ATTEMPTS) {
                    throw new StateException("save " + target + " is being written by other writers: lock " + file
                            + " was replaced " + MAX_ATTEMPTS + " times while waiting for it");
                }
            }
        }

        private static FileLock tryLock(FileChannel channel) throws IOException {
            try {
                return channel.tryLock(LOCK_POSITION, 1, false);
            } catch (OverlappingFileLockException e) {
                return null; // held by another thread of this JVM
            }
        }

        private static byte[] readOrNull(Path file) throws IOException {
            try {
                return Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                return null;
            }
        }

        /** Deletes the lock file while still holding the lock, then releases it. */
        @Override
        public void close() throws IOException {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // harmless: the next writer locks and deletes it
                LOG.debug("could not delete lock file {}: {}", file, e.toString());
            }
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }

    /** Undoes what a crashed writer left behind (we hold the lock, so no writer is running). */
    private static void recover(Path target, Path tmp, Path old) throws IOException {
        if (Files.exists(tmp, LinkOption.NOFOLLOW_LINKS)) {
            LOG.warn("deleting {} left by an interrupted write", tmp);
            FileTrees.deleteRecursively(tmp);
        }
        if (Files.exists(old, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                LOG.warn("deleting {} left by an interrupted write", old);
                FileTrees.deleteRecursively(old);
            } else {
                LOG.warn("restoring {} from {} left by an interrupted write", target, old);
                Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    /**
     * Checks, before any work, that {@link #write} may write to {@code target}: it is absent, an empty directory or a
     * save directory. Refuses a file, or a directory holding something other than a save (writing would delete it).
     *
     * @throws InvalidInputException naming the target and what it holds
     */
    public static void checkWritable(Path target) {
        Path abs = target.toAbsolutePath().normalize();
        try {
            checkReplaceable(abs);
        } catch (IOException e) {
            throw new StorageException("cannot list save target " + abs + ": " + e.getMessage(), e);
        }
    }

    private static void checkReplaceable(Path target) throws IOException {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidInputException("save target " + target + " exists and is not a directory");
        }
        if (Files.exists(target.resolve(SaveFormat.MANIFEST), LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(target)) {
            if (s.iterator().hasNext()) {
                throw new InvalidInputException("save target " + target + " is a non-empty directory without "
                        + SaveFormat.MANIFEST + " (not a save); refusing to replace it: choose a new or empty "
                        + "directory");
            }
        }
    }

    private static void runWriter(PayloadWriter writer, Path tmp, Path target) throws IOException {
        try {
            writer.write(tmp);
        } catch (MemoRagException | IOException | Error e) {
            throw e;
        } catch (RuntimeException e) {
            throw new MemoRagException("payload writer for " + target + " failed: " + e, e);
        }
        if (Files.exists(tmp.resolve(SaveFormat.MANIFEST), LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidInputException("payload writer for " + target + " must not create "
                    + SaveFormat.MANIFEST);
        }
    }

    /** Lists, hashes and flushes every payload file, sorted by path. */
    private static List<FileEntry> hashPayload(Path root, ProgressListener progress) throws IOException {
        Map<String, Path> files = new TreeMap<>();
        long[] total = {0};
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                String rel = relative(root, file);
                if (!attrs.isRegularFile()) {
                    throw new InvalidInputException("payload must hold only regular files and directories, "
                            + rel + " is a " + (attrs.isSymbolicLink() ? "link" : "special file"));
                }
                files.put(rel, file);
                total[0] += attrs.size();
                return FileVisitResult.CONTINUE;
            }
        });
        Progress p = new Progress(progress, "hash save", total[0]);
        List<FileEntry> out = new ArrayList<>();
        for (Map.Entry<String, Path> e : files.entrySet()) {
            try (FileChannel ch = FileChannel.open(e.getValue(), StandardOpenOption.READ)) {
                out.add(new FileEntry(e.getKey(), ch.size(), sha256(ch, p)));
                ch.force(true);
            }
        }
        return out;
    }

    private static String relative(Path root, Path file) {
        StringBuilder sb = new StringBuilder();
        for (Path seg : root.relativize(file)) {
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(seg);
        }
        return sb.toString();
    }

    private static void replace(Path target, Path tmp, Path old, Path parent) throws IOException {
        boolean hadOld = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
        if (hadOld) {
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            if (hadOld) {
                Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            }
            throw e;
        }
        fsyncDirectory(parent);
        if (hadOld) {
            try {
                FileTrees.deleteRecursively(old);
            } catch (IOException e) {
                // the new save is in place; the next write removes the leftover
                LOG.warn("could not delete previous save {}: {}", old, e.toString());
            }
        }
    }

    private static void fsync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void fsyncDirectories(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                fsyncDirectory(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Flushes a directory's entries; a no-op where the platform cannot open directories (Windows). */
    private static void fsyncDirectory(Path d) {
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            LOG.debug("cannot fsync directory {}: {}", d, e.toString());
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            FileTrees.deleteRecursively(p);
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", p, e.toString());
        }
    }

    // ---------------------------------------------------------------- reading

    /** Opens and fully verifies a save ({@link Verification#FULL}). */
    public static SaveDirectory open(Path dir) {
        return open(dir, Verification.FULL);
    }

    /**
     * Opens a save: parses {@code manifest.json}, checks the format version, and checks every listed file (existence,
     * regular file inside the directory, size, and sha256 now or on first {@link #resolve} depending on
     * {@code verification}). Never modifies anything on disk.
     *
     * @throws InvalidInputException when {@code dir} does not exist
     * @throws dev.memorag.error.UnsupportedFormatException when {@code format_version} is unknown
     * @throws CorruptDataException naming the file and what is wrong, for any other damage
     */
    public static SaveDirectory open(Path dir, Verification verification) {
        return open(dir, verification, ProgressListener.NONE);
    }

    /**
     * {@link #open(Path, Verification)} reporting checksum verification as stage {@code "verify save"} in bytes.
     */
    public static SaveDirectory open(Path dir, Verification verification, ProgressListener progress) {
        if (dir == null || verification == null || progress == null) {
            throw new InvalidInputException("SaveDirectory.open: "
                    + (dir == null ? "dir" : verification == null ? "verification" : "progress") + " must not be null");
        }
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            Path parent = abs.getParent();
            Path old = parent == null ? null : parent.resolve("." + abs.getFileName() + SaveFormat.OLD_SUFFIX);
            if (old != null && Files.isDirectory(old)) {
                throw new CorruptDataException("save directory " + abs + " is missing but " + old
                        + " exists: a write was interrupted; the next write restores it, or rename it back");
            }
            throw new InvalidInputException("save directory does not exist: " + abs);
        }
        Path mf = abs.resolve(SaveFormat.MANIFEST);
        if (!Files.isRegularFile(mf, LinkOption.NOFOLLOW_LINKS)) {
            throw new CorruptDataException(mf + " is missing: " + abs
                    + " is not a save directory, or its write never completed");
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(mf));
        } catch (JsonProcessingException e) {
            throw new CorruptDataException(mf + ": not valid JSON at " + JsonErrors.describe(e)
                    + " (the file was edited or damaged; re-memorise to write it again)", e);
        } catch (IOException e) {
            throw new CorruptDataException("cannot read " + mf + ": " + e.getMessage(), e);
        }
        Manifest manifest = Manifest.fromJson(root, mf);
        SaveDirectory save = new SaveDirectory(abs, manifest, verification);
        Path real;
        try {
            real = abs.toRealPath();
        } catch (IOException e) {
            throw new CorruptDataException("cannot resolve save directory " + abs + ": " + e.getMessage(), e);
        }
        long t0 = System.nanoTime();
        for (FileEntry e : manifest.files()) {
            save.checkFile(e, real);
        }
        if (verification == Verification.FULL) {
            Progress p = new Progress(progress, "verify save", manifest.totalSize());
            for (FileEntry e : manifest.files()) {
                save.verifyHash(e, abs.resolve(e.path()), p);
            }
        }
        LOG.debug("opened {} ({} files, {} bytes, {}) in {} ms", abs, manifest.files().size(), manifest.totalSize(),
                verification, (System.nanoTime() - t0) / 1_000_000);
        return save;
    }

    private void checkFile(FileEntry e, Path realRoot) {
        Path p = dir.resolve(e.path());
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException ex) {
            throw new CorruptDataException(p + ": listed in " + SaveFormat.MANIFEST + " but missing");
        } catch (IOException ex) {
            throw new CorruptDataException(p + ": cannot read attributes: " + ex.getMessage(), ex);
        }
        if (!attrs.isRegularFile()) {
            throw new CorruptDataException(p + ": must be a regular file, found a "
                    + (attrs.isSymbolicLink() ? "link" : attrs.isDirectory() ? "directory" : "special file"));
        }
        try {
            if (!p.toRealPath().startsWith(realRoot)) {
                throw new CorruptDataException(p + ": resolves outside the save directory " + dir
                        + " (a linked parent directory)");
            }
        } catch (IOException ex) {
            throw new CorruptDataException(p + ": cannot resolve: " + ex.getMessage(), ex);
        }
        if (attrs.size() != e.size()) {
            throw new CorruptDataException(p + ": size is " + attrs.size() + " bytes, " + SaveFormat.MANIFEST
                    + " lists " + e.size() + " (truncated or modified)");
        }
    }

    private void verifyHash(FileEntry e, Path p, Progress progress) {
        String actual;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            actual = sha256(ch, progress);
        } catch (IOException ex) {
            throw new CorruptDataException(p + ": cannot read: " + ex.getMessage(), ex);
        }
        if (!actual.equals(e.sha256())) {
            throw new CorruptDataException(p + ": sha256 is " + actual + ", " + SaveFormat.MANIFEST + " lists "
                    + e.sha256() + " (file modified or damaged)");
        }
        verified.add(e.path());
    }

    /** The absolute path of the save directory. */
    public Path path() {
        return dir;
    }

    public Manifest manifest() {
        return manifest;
    }

    public Verification verification() {
        return verification;
    }

    /**
     * The absolute path of a file or sub-directory of the save. Under {@link Verification#LAZY} a listed file's
     * sha256 is checked the first time it is resolved.
     *
     * @throws InvalidInputException when {@code relativePath} would leave the save directory
     * @throws CorruptDataException when a lazily checked file does not match the manifest
     */
    public Path resolve(String relativePath) {
        FileEntry.checkRelativePath(relativePath, "SaveDirectory.resolve: relativePath");
        Path p = dir.resolve(relativePath);
        if (verification == Verification.LAZY && !verified.contains(relativePath)) {
            manifest.file(relativePath).ifPresent(e -> verifyHash(e, p, Progress.NONE));
        }
        return p;
    }

    /** SHA-256 of a channel's whole content, streamed through a direct buffer. */
    static String sha256(FileChannel ch, Progress progress) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(HASH_BUFFER);
        long pos = 0;
        while (true) {
            buf.clear();
            int n = ch.read(buf, pos);
            if (n < 0) {
                break;
            }
            pos += n;
            buf.flip();
            md.update(buf);
            progress.add(n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Byte progress over several files, reported to a listener. */
    private static final class Progress {
        static final Progress NONE = new Progress(ProgressListener.NONE, "", -1);

        private final ProgressListener listener;
        private final String stage;
        private final long total;
        private long done;

        Progress(ProgressListener listener, String stage, long total) {
            this.listener = listener;
            this.stage = stage;
            this.total = total;
        }

        void add(long bytes) {
            if (listener != ProgressListener.NONE) { // NONE is shared: keep it free of state
                done += bytes;
                listener.onProgress(stage, done, total);
            }
        }
    }

    @Override
    public String toString() {
        return "SaveDirectory[" + dir + ", " + manifest.files().size() + " files]";
    }
}
