package dev.memorag.model;

import dev.memorag.error.CancelledException;
import dev.memorag.error.DownloadException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelNotFoundException;
import dev.memorag.gguf.GgufFile;
import dev.memorag.api.CancellationToken;
import dev.memorag.api.ProgressListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves a model reference to a local directory, in this order:
 * <ol>
 *   <li>an existing local directory;</li>
 *   <li>the Hugging Face cache ({@code $HF_HOME/hub/models--ORG--NAME/snapshots/<commit>}, found through
 *       {@code refs/<revision>} or directly when the revision is a commit hash), so models downloaded by the Python
 *       tools are reused;</li>
 *   <li>only when {@linkplain Builder#allowDownload(boolean) downloading is allowed} and the resolver is not offline: a
 *       download from the hub into that same cache layout (see {@link #download}).</li>
 * </ol>
 *
 * <p>Configuration comes from the {@linkplain Builder#env(Map) environment} unless set on the builder:
 * {@code HF_HUB_CACHE} or {@code HF_HOME} (default {@code $XDG_CACHE_HOME/huggingface}, else
 * {@code ~/.cache/huggingface}), {@code HF_ENDPOINT} (default {@value #DEFAULT_ENDPOINT}), {@code HF_TOKEN} (else the
 * token file {@code $HF_HOME/token} written by {@code huggingface-cli login}) and {@code HF_HUB_OFFLINE=1}, which
 * guarantees that no connection is ever opened.
 *
 * <p>Downloads are resumable (a {@code .incomplete} file continued with an HTTP {@code Range} request, both across
 * retries within one call and across calls) and verified against the hub's sha256 ETag where the hub gives one (large
 * files); a mismatching file is deleted and reported. The token is sent only to the endpoint's own host, and never
 * logged.
 *
 * <p>Thread-safety: immutable and thread-safe. Concurrent downloads of the same file, from threads of this JVM or from
 * other processes sharing the cache, are serialised by a lock per file.
 */
public final class ModelResolver {
    /** The public hub. */
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    /** The revision used when none is given. */
    public static final String DEFAULT_REVISION = "main";

    private static final Logger LOG = LoggerFactory.getLogger(ModelResolver.class);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    /** Environment names read by {@link #processEnvironment()}. */
    private static final List<String> ENV_NAMES = List.of("HF_HOME", "HF_HUB_CACHE", "HF_ENDPOINT", "HF_TOKEN",
            "HF_TOKEN_PATH", "HF_HUB_OFFLINE", "XDG_CACHE_HOME");
    /** One lock per blob path for threads of this JVM; a JVM may hold a file lock only once. */
    private static final Map<Path, ReentrantLock> BLOB_LOCKS = new ConcurrentHashMap<>();

    private final HubCache cache;
    private final URI endpoint;
    private final String token;
    private final boolean offline;
    private final boolean allowDownload;
    private final ProgressListener progress;
    private final CancellationToken cancellation;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Duration readTimeout;
    private final int maxRetries;
    private volatile HubClient client;

    private ModelResolver(Builder b, Path hubDir, URI endpoint, String token, boolean offline) {
        this.cache = new HubCache(hubDir);
        this.endpoint = endpoint;
        this.token = token;
        this.offline = offline;
        this.allowDownload = b.allowDownload;
        this.progress = b.progress;
        this.cancellation = b.cancellation;
        this.connectTimeout = b.connectTimeout;
        this.requestTimeout = b.requestTimeout;
        this.readTimeout = b.readTimeout;
        this.maxRetries = b.maxRetries;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The hub cache directory (the folder holding {@code models--ORG--NAME} folders). */
    public Path hubCacheDir() {
        return cache.hubDir();
    }

    public URI endpoint() {
        return endpoint;
    }

    public boolean isOffline() {
        return offline;
    }

    public boolean isDownloadAllowed() {
        return allowDownload;
    }

    /** {@link #resolve(String, String)} at revision {@value #DEFAULT_REVISION}. */
    public Path resolve(String reference) {
        return resolve(reference, null);
    }

    /**
     * Resolves {@code reference} (a local directory, a local {@code .gguf} file, or a hub repository id) to a local
     * directory (or that file).
     *
     * <p>A cached snapshot is returned as it is: one fetched by {@link #download} with include patterns holds only
     * the files that matched, as with the Python tools.
     *
     * @param revision a branch, tag or commit hash; {@code null} means {@value #DEFAULT_REVISION}. Ignored for local
     *     directories.
     * @throws ModelNotFoundException when the reference is neither a directory nor in the cache and may not be
     *     downloaded (offline, or downloading not allowed)
     * @throws DownloadException when a download was attempted and failed
     */
    public Path resolve(String reference, String revision) {
        if (reference == null || reference.isBlank()) {
            throw new InvalidInputException("model reference must not be empty, was '" + reference + "'");
        }
        Optional<Path> local = localDirectory(reference);
        if (local.isPresent()) {
            return local.get();
        }
        if (!RepoId.isValid(reference)) {
            throw new ModelNotFoundException("model '" + reference
                    + "' is neither an existing directory nor a hub repository id (ORG/NAME)");
        }
        RepoId repo = new RepoId(reference);
        String rev = HubCache.checkRevision(revision == null ? DEFAULT_REVISION : revision);
        Optional<Path> cached = cache.findSnapshot(repo, rev);
        if (cached.isPresent()) {
            LOG.debug("{}@{} found in the cache at {}", repo, rev, cached.get());
            return cached.get();
        }
        if (offline) {
            throw new ModelNotFoundException("model " + repo + " revision " + rev + " is not in the cache "
                    + cache.repoDir(repo) + " and HF_HUB_OFFLINE=1 (offline): no download was attempted");
        }
        if (!allowDownload) {
            throw new ModelNotFoundException("model " + repo + " revision " + rev + " is not in the cache "
                    + cache.repoDir(repo) + " and downloading is not allowed (run `memorag models download "
                    + repo + "`, or allow downloading with allowDownload(true) (CLI: --download))");
        }
        return download(repo.id(), rev, List.of());
    }

    /**
     * Downloads a repository revision into the cache (files already there are not fetched again) and returns its
     * snapshot directory. Runs even when {@linkplain Builder#allowDownload(boolean) downloading is not allowed} for
     * {@link #resolve}, since the caller asks for it explicitly; never runs offline.
     *
     * @param revision a branch, tag or commit hash; {@code null} means {@value #DEFAULT_REVISION}
     * @param include glob patterns ({@code *} and {@code ?}, which also match {@code /}, as in the Python tools) that
     *     select the files to fetch; empty or {@code null} means all files
     * @throws ModelNotFoundException when offline, or when the hub does not know the repository or revision
     * @throws DownloadException on HTTP errors, interrupted transfers that could not resume, and checksum mismatches
     * @throws CancelledException when the cancellation token fires (partial files are kept for resuming)
     */
    public Path download(String repoId, String revision, List<String> include) {
        RepoId repo = new RepoId(repoId);
        String rev = HubCache.checkRevision(revision == null ? DEFAULT_REVISION : revision);
        List<Pattern> globs = include == null ? List.of()
                : include.stream().map(ModelResolver::globToRegex).toList();
        if (offline) {
            throw new ModelNotFoundException("cannot download " + repo + " revision " + rev
                    + ": HF_HUB_OFFLINE=1 (offline)");
        }
        cancellation.throwIfCancelled("download of " + repo);
        HubClient c = client();
        HubClient.Listing listing = c.list(repo, rev);
        List<String> files = new ArrayList<>();
        for (String f : listing.files()) {
            if (globs.isEmpty() || globs.stream().anyMatch(g -> g.matcher(f).matches())) {
                files.add(f);
            }
        }
        if (files.isEmpty()) {
            throw new InvalidInputException("include patterns " + include + " match none of the "
                    + listing.files().size() + " files of " + repo + " revision " + rev);
        }
        String commit = listing.commit();
        Path snapshot = cache.snapshotDir(repo, commit);
        LOG.info("Resolving {} files of {} (revision {}, commit {}) into {}", files.size(), repo, rev, commit,
                snapshot);
        Map<String, Path> targets = new LinkedHashMap<>();
        for (String file : files) {
            targets.put(file, cache.snapshotFile(repo, commit, file)); // refuses unsafe names before any transfer
        }
        // Blobs first, links after: a snapshot folder only appears once all of its files are present.
        Map<String, Path> blobs = new HashMap<>();
        for (String file : files) {
            Path target = targets.get(file);
            if (Files.isRegularFile(target)) {
                long size = sizeOf(target);
                progress.onProgress(stage(file), size, size);
                continue;
            }
            cancellation.throwIfCancelled("download of " + repo);
            // The commit, not the branch name, so that every file comes from the same revision.
            HubClient.FileMeta meta = c.head(repo, commit, file);
            blobs.put(file, fetchBlob(c, repo, commit, file, meta));
        }
        try {
            for (Map.Entry<String, Path> e : blobs.entrySet()) {
                cache.link(e.getValue(), targets.get(e.getKey()));
            }
            Files.createDirectories(snapshot);
            cache.writeRef(repo, rev, commit);
        } catch (IOException e) {
            throw new DownloadException("cannot write the snapshot " + snapshot + ": " + e.getMessage(), e);
        }
        return snapshot;
    }

    private Path fetchBlob(HubClient c, RepoId repo, String commit, String file, HubClient.FileMeta meta) {
        Path blob = cache.blob(repo, meta.etag());
        if (Files.isRegularFile(blob)) {
            long size = sizeOf(blob);
            progress.onProgress(stage(file), size, size);
            return blob;
        }
        ReentrantLock jvmLock = BLOB_LOCKS.computeIfAbsent(blob, k -> new ReentrantLock());
        jvmLock.lock();
        try {
            Path lockFile = cache.lockFile(repo, meta.etag());
            Files.createDirectories(lockFile.getParent());
            Files.createDirectories(blob.getParent());
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                ch.lock(); // other processes sharing the cache wait here; released when the channel closes
                if (Files.isRegularFile(blob)) {
                    return blob; // another process finished it while we waited
                }
                Path part = cache.incomplete(repo, meta.etag());
                for (int attempt = 0; ; attempt++) {
                    try {
                        transfer(c, repo, commit, file, part, meta.size());
                        break;
                    } catch (Interrupted | HubClient.ConnectionFailedException e) {
                        if (attempt >= maxRetries) {
                            throw new DownloadException("download of " + file + " from " + repo + " failed after "
                                    + (attempt + 1) + " attempts (" + e.getMessage() + "); " + sizeOf(part)
                                    + " bytes are kept in " + part + " and the next attempt resumes from there",
                                    e.getCause());
                        }
                        LOG.warn("Download of {} from {} interrupted ({}); resuming", file, repo, e.getMessage());
                    }
                }
                verify(repo, file, meta, part);
                HubCache.moveAtomically(part, blob);
                return blob;
            }
        } catch (IOException e) {
            throw new DownloadException("cannot write " + blob + " for " + file + " of " + repo + ": "
                    + e.getMessage(), e);
        } finally {
            jvmLock.unlock();
        }
    }

    /** One GET, appending to {@code part}; throws {@link Interrupted} when the transfer stops early. */
    private void transfer(HubClient c, RepoId repo, String commit, String file, Path part, long expectedSize)
            throws IOException {
        long offset = Files.exists(part) ? Files.size(part) : 0;
        if (expectedSize >= 0 && offset == expectedSize) {
            return; // complete already (a previous run stopped before verifying); verification decides
        }
        if (expectedSize >= 0 && offset > expectedSize) {
            Files.delete(part);
            offset = 0;
        }
        HttpResponse<InputStream> rsp = c.get(repo, commit, file, offset);
        try (InputStream in = rsp.body()) {
            int status = rsp.statusCode();
            long total;
            boolean append;
            if (status == 416) {
                // The server cannot continue our partial file: start over.
                Files.deleteIfExists(part);
                throw new Interrupted("server rejected the range from byte " + offset, null);
            } else if (status == 206) {
                Matcher m = CONTENT_RANGE.matcher(rsp.headers().firstValue("Content-Range").orElse(""));
                if (!m.matches() || Long.parseLong(m.group(1)) != offset) {
                    Files.deleteIfExists(part);
                    throw new Interrupted("unexpected Content-Range "
                            + rsp.headers().firstValue("Content-Range").orElse("(none)") + " for offset " + offset,
                            null);
                }
                total = m.group(3).equals("*") ? expectedSize : Long.parseLong(m.group(3));
                append = true;
            } else {
                // 200: the whole file (the server ignored or was not sent a range).
                long length = rsp.headers().firstValueAsLong("Content-Length").orElse(-1L);
                total = length >= 0 ? length : expectedSize;
                offset = 0;
                append = false;
            }
            if (append) {
                LOG.info("Resuming {} of {} from byte {}", file, repo, offset);
            }
            long done = offset;
            try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                progress.onProgress(stage(file), done, total);
                byte[] buf = new byte[1 << 16];
                while (true) {
                    int n;
                    try {
                        n = in.read(buf);
                    } catch (IOException e) {
                        throw new Interrupted("connection lost after " + done + " bytes: " + e.getMessage(), e);
                    }
                    if (n < 0) {
                        break;
                    }
                    out.write(buf, 0, n);
                    done += n;
                    progress.onProgress(stage(file), done, total);
                    cancellation.throwIfCancelled("download of " + file);
                }
            }
            if (total >= 0 && done != total) {
                throw new Interrupted("received " + done + " of " + total + " bytes", null);
            }
        }
    }

    private static void verify(RepoId repo, String file, HubClient.FileMeta meta, Path part) throws IOException {
        long size = Files.size(part);
        if (meta.size() >= 0 && size != meta.size()) {
            Files.deleteIfExists(part);
            throw new DownloadException("size mismatch for " + file + " of " + repo + ": expected " + meta.size()
                    + " bytes, got " + size + "; the partial download was deleted");
        }
        if (!SHA256.matcher(meta.etag()).matches()) {
            return; // a git object id (small files): the hub offers no content hash to check against
        }
        String expected = meta.etag().toLowerCase(Locale.ROOT);
        String actual = sha256(part);
        if (!expected.equals(actual)) {
            Files.deleteIfExists(part);
            throw new DownloadException("sha256 mismatch for " + file + " of " + repo + ": expected " + expected
                    + ", actual " + actual + "; the partial download was deleted");
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) >= 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private HubClient client() {
        HubClient c = client;
        if (c == null) {
            synchronized (this) {
                c = client;
                if (c == null) {
                    // Created lazily: an offline or cache-only resolver never starts the HTTP client.
                    c = new HubClient(endpoint, token, connectTimeout, requestTimeout, readTimeout);
                    client = c;
                }
            }
        }
        return c;
    }

    private static Optional<Path> localDirectory(String reference) {
        try {
            Path p = Paths.get(reference);
            if (Files.isDirectory(p) || GgufFile.isGgufFile(p)) {
                return Optional.of(p.toAbsolutePath().normalize());
            }
            if (p.isAbsolute() || reference.startsWith(".") || reference.startsWith("~")) {
                throw new ModelNotFoundException("model directory " + p.toAbsolutePath() + " does not exist");
            }
        } catch (InvalidPathException e) {
            // not a path on this platform: try it as a repository id
        }
        return Optional.empty();
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    private static String stage(String file) {
        return "download " + file;
    }

    /** fnmatch-style glob as used by {@code huggingface-cli download --include}: {@code *} also matches {@code /}. */
    static Pattern globToRegex(String glob) {
        if (glob == null || glob.isEmpty()) {
            throw new InvalidInputException("include pattern must not be empty");
        }
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char ch : glob.toCharArray()) {
            if (ch == '*' || ch == '?') {
                if (literal.length() > 0) {
                    re.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                re.append(ch == '*' ? ".*" : ".");
            } else {
                literal.append(ch);
            }
        }
        if (literal.length() > 0) {
            re.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    /**
     * The process environment plus JVM system properties of the same names ({@code -DHF_HUB_OFFLINE=1}), which win.
     */
    public static Map<String, String> processEnvironment() {
        Map<String, String> env = new HashMap<>();
        for (String name : ENV_NAMES) {
            String v = System.getProperty(name, System.getenv(name));
            if (v != null) {
                env.put(name, v);
            }
        }
        return Map.copyOf(env);
    }

    @Override
    public String toString() {
        return "ModelResolver[hubCache=" + cache.hubDir() + ", endpoint=" + endpoint + ", token="
                + (token == null ? "none" : "****") + ", offline=" + offline + ", allowDownload=" + allowDownload
                + "]";
    }

    /** A transfer that stopped early and may be resumed. */
    private static final class Interrupted extends IOException {
        private static final long serialVersionUID = 1L;

        Interrupted(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Builder. Unset values come from the {@linkplain #env(Map) environment}; downloading is off by default so that
     * {@link #resolve} never reaches the network unless asked to.
     *
     * <p>Thread-safety: not thread-safe; use from one thread.
     */
    public static final class Builder {
        private Map<String, String> env;
        private Path hfHome;
        private Path hubCache;
        private String endpoint;
        private String token;
        private Boolean offline;
        private boolean allowDownload;
        private ProgressListener progress = ProgressListener.NONE;
        private CancellationToken cancellation = CancellationToken.NONE;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration readTimeout = Duration.ofSeconds(60);
        private int maxRetries = 3;

        private Builder() {
        }

        /** The variables to read configuration from; default {@link ModelResolver#processEnvironment()}. */
        public Builder env(Map<String, String> env) {
            this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
            return this;
        }

        /** The Hugging Face home; the cache is its {@code hub} folder. Overrides {@code HF_HOME}/{@code HF_HUB_CACHE}. */
        public Builder hfHome(Path hfHome) {
            this.hfHome = Objects.requireNonNull(hfHome, "hfHome");
            return this;
        }

        /** The hub cache folder itself (like {@code HF_HUB_CACHE}); overrides {@link #hfHome(Path)}. */
        public Builder hubCache(Path hubCache) {
            this.hubCache = Objects.requireNonNull(hubCache, "hubCache");
            return this;
        }

        /** Hub base URL, e.g. a mirror; overrides {@code HF_ENDPOINT}. */
        public Builder endpoint(String endpoint) {
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
            return this;
        }

        /** Access token for gated or private repositories; overrides {@code HF_TOKEN}. */
        public Builder token(String token) {
            this.token = Objects.requireNonNull(token, "token");
            return this;
        }

        /** Never touch the network; overrides {@code HF_HUB_OFFLINE}. */
        public Builder offline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /** Whether {@link ModelResolver#resolve} may download what is not cached (default {@code false}). */
        public Builder allowDownload(boolean allowDownload) {
            this.allowDownload = allowDownload;
            return this;
        }

        /** Receives download progress in bytes, per file (stage {@code "download <file>"}). */
        public Builder progress(ProgressListener progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        /** Polled between buffers while downloading. */
        public Builder cancellation(CancellationToken cancellation) {
            this.cancellation = Objects.requireNonNull(cancellation, "cancellation");
            return this;
        }

        /** Time allowed to open a connection (default 10 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /** Time allowed until a response's headers arrive (default 30 s). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /**
         * Time a transfer may go without receiving data before it counts as interrupted and is resumed (default 60 s).
         */
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = positive(timeout, "readTimeout");
            return this;
        }

        /** How often an interrupted transfer is resumed within one call before giving up (default 3). */
        public Builder maxRetries(int maxRetries) {
            if (maxRetries < 0) {
                throw new InvalidInputException("ModelResolver.maxRetries must be >= 0, was " + maxRetries);
            }
            this.maxRetries = maxRetries;
            return this;
        }

        public ModelResolver build() {
            Map<String, String> e = env != null ? env : processEnvironment();
            Path home = hfHome != null ? hfHome : defaultHome(e);
            Path hub = hubCache != null ? hubCache
                    : hfHome != null ? hfHome.resolve("hub")
                    : nonBlank(e.get("HF_HUB_CACHE")) ? Paths.get(e.get("HF_HUB_CACHE"))
                    : home.resolve("hub");
            String ep = endpoint != null ? endpoint
                    : nonBlank(e.get("HF_ENDPOINT")) ? e.get("HF_ENDPOINT").trim() : DEFAULT_ENDPOINT;
            URI uri = endpointUri(ep);
            String tok = token != null ? token : nonBlank(e.get("HF_TOKEN")) ? e.get("HF_TOKEN").trim()
                    : tokenFile(nonBlank(e.get("HF_TOKEN_PATH")) ? Paths.get(e.get("HF_TOKEN_PATH"))
                            : home.resolve("token"));
            boolean off = offline != null ? offline : truthy(e.get("HF_HUB_OFFLINE"));
            return new ModelResolver(this, hub, uri, tok, off);
        }

        private static Path defaultHome(Map<String, String> e) {
            if (nonBlank(e.get("HF_HOME"))) {
                return Paths.get(e.get("HF_HOME"));
            }
            if (nonBlank(e.get("XDG_CACHE_HOME"))) {
                return Paths.get(e.get("XDG_CACHE_HOME"), "huggingface");
            }
            return Paths.get(System.getProperty("user.home"), ".cache", "huggingface");
        }

        private static String tokenFile(Path p) {
            if (!Files.isRegularFile(p)) {
                return null;
            }
            try {
                String t = Files.readString(p, StandardCharsets.UTF_8).trim();
                return t.isEmpty() ? null : t;
            } catch (IOException ex) {
                LOG.warn("Cannot read the token file {}: {}", p, ex.getMessage());
                return null;
            }
        }

        private static URI endpointUri(String ep) {
            URI uri;
            try {
                uri = URI.create(ep);
            } catch (IllegalArgumentException ex) {
                throw new InvalidInputException("HF_ENDPOINT is not a URL: '" + ep + "'");
            }
            if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                    || uri.getHost() == null || uri.getRawQuery() != null) {
                throw new InvalidInputException("HF_ENDPOINT must be an http(s) URL with a host, was '" + ep + "'");
            }
            return uri;
        }

        private static boolean truthy(String v) {
            return v != null && List.of("1", "true", "yes", "on").contains(v.trim().toLowerCase(Locale.ROOT));
        }

        private static boolean nonBlank(String v) {
            return v != null && !v.isBlank();
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new InvalidInputException("ModelResolver." + name + " must be > 0, was " + d);
            }
            return d;
        }
    }
}
