package dev.memorag.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny Hugging Face hub on loopback, speaking the parts of the protocol the resolver uses: the revision listing,
 * {@code HEAD}/{@code GET} on {@code resolve} URLs (LFS files answer with a 302 to a second "CDN" server and a sha256
 * {@code X-Linked-Etag}; small files answer directly with a git-style {@code ETag}), and {@code Range} requests. Faults
 * are injected per file: a connection cut after N bytes, or served bytes that do not match the advertised hash.
 *
 * <p>Thread-safety: thread-safe; requests are handled on a thread pool.
 */
public final class LoopbackHub implements AutoCloseable {
    public static final String TOKEN = "hf_loopbackSecret123";

    /** One request as the server saw it. */
    public record Request(String server, String method, String path, String range, String authorization) {
    }

    private static final class Repo {
        final String commit;
        final Map<String, byte[]> files = new LinkedHashMap<>();
        final Map<String, Boolean> lfs = new LinkedHashMap<>();
        final List<String> extraListed = new ArrayList<>();
        boolean gated;

        Repo(String commit) {
            this.commit = commit;
        }
    }

    private final HttpServer hub;
    private final HttpServer cdn;
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, byte[]> blobsBySha = new ConcurrentHashMap<>();
    private final Map<String, byte[]> corrupt = new ConcurrentHashMap<>();
    private final Map<String, int[]> cuts = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger commits = new AtomicInteger();

    public LoopbackHub() throws IOException {
        InetAddress lo = InetAddress.getLoopbackAddress();
        hub = HttpServer.create(new InetSocketAddress(lo, 0), 0);
        cdn = HttpServer.create(new InetSocketAddress(lo, 0), 0);
        hub.createContext("/", ex -> handle(ex, "hub"));
        cdn.createContext("/", ex -> handle(ex, "cdn"));
        // Several handler threads, so that a stalled transfer does not block the client's next request.
        hub.setExecutor(handlers);
        cdn.setExecutor(handlers);
        hub.start();
        cdn.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + hub.getAddress().getPort();
    }

    /** Adds a repository and returns its commit hash. */
    public String addRepo(String id, boolean gated) {
        String commit = String.format("%040x", 0xc0ffee00L + commits.incrementAndGet());
        Repo r = new Repo(commit);
        r.gated = gated;
        repos.put(id, r);
        return commit;
    }

    public void addFile(String repo, String file, byte[] content, boolean lfs) {
        Repo r = repos.get(repo);
        r.files.put(file, content);
        r.lfs.put(file, lfs);
        if (lfs) {
            blobsBySha.put(sha256(content), content);
        }
    }

    /** Lists a file name that the repository does not serve (for unsafe-name tests). */
    public void listExtra(String repo, String file) {
        repos.get(repo).extraListed.add(file);
    }

    /** The next {@code times} downloads of {@code content} stop after {@code bytes} bytes. */
    public void cutAfter(byte[] content, int bytes, int times) {
        cuts.put(sha256(content), new int[] {bytes, times, 0});
    }

    /** Like {@link #cutAfter}, but the server first stalls for {@code millis} without closing the connection. */
    public void stallAfter(byte[] content, int bytes, int times, int millis) {
        cuts.put(sha256(content), new int[] {bytes, times, millis});
    }

    /** The next {@code times} downloads of {@code content} drop the connection before sending any response. */
    public void dropBeforeHeaders(byte[] content, int times) {
        cuts.put(sha256(content), new int[] {-1, times, 0});
    }

    /** Serves {@code wrong} in place of {@code content} while still advertising the hash of {@code content}. */
    public void corrupt(byte[] content, byte[] wrong) {
        corrupt.put(sha256(content), wrong);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The git blob id the hub uses as ETag of small (non-LFS) files. */
    public static String gitOid(byte[] data) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(("blob " + data.length + "\0").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void handle(HttpExchange ex, String server) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        requests.add(new Request(server, ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("Range"),
                auth));
        try (ex) {
            if (server.equals("cdn")) {
                serveCdn(ex, path.substring(path.lastIndexOf('/') + 1));
                return;
            }
            if (path.startsWith("/api/models/")) {
                serveListing(ex, path.substring("/api/models/".length()), auth);
                return;
            }
            int at = path.indexOf("/resolve/");
            if (at < 0) {
                send(ex, 404, "not found");
                return;
            }
            Repo r = repos.get(path.substring(1, at));
            String[] revAndFile = path.substring(at + "/resolve/".length()).split("/", 2);
            if (r == null || !authorised(r, auth)) {
                send(ex, r == null ? 404 : 401, "no access");
                return;
            }
            String rev = URLDecoder.decode(revAndFile[0], StandardCharsets.UTF_8);
            String file = URLDecoder.decode(revAndFile[1], StandardCharsets.UTF_8);
            byte[] content = r.files.get(file);
            if (content == null || !(rev.equals("main") || rev.equals(r.commit))) {
                send(ex, 404, "no such file");
                return;
            }
            ex.getResponseHeaders().set("X-Repo-Commit", r.commit);
            if (r.lfs.get(file)) {
                String sha = sha256(content);
                ex.getResponseHeaders().set("X-Linked-Etag", "\"" + sha + "\"");
                ex.getResponseHeaders().set("X-Linked-Size", Integer.toString(content.length));
                ex.getResponseHeaders().set("Location", "http://127.0.0.1:" + cdn.getAddress().getPort()
                        + "/blobs/" + sha);
                ex.sendResponseHeaders(302, -1);
                return;
            }
            ex.getResponseHeaders().set("ETag", "\"" + gitOid(content) + "\"");
            serveBytes(ex, content, Integer.MAX_VALUE, 0);
        }
    }

    private void serveListing(HttpExchange ex, String rest, String auth) throws IOException {
        int at = rest.indexOf("/revision/");
        Repo r = at < 0 ? null : repos.get(rest.substring(0, at));
        if (r == null) {
            send(ex, 404, "{\"error\":\"Repository not found\"}");
            return;
        }
        if (!authorised(r, auth)) {
            send(ex, 401, "{\"error\":\"Access to this model is restricted\"}");
            return;
        }
        String rev = URLDecoder.decode(rest.substring(at + "/revision/".length()), StandardCharsets.UTF_8);
        if (!rev.equals("main") && !rev.equals(r.commit)) {
            send(ex, 404, "{\"error\":\"Revision not found\"}");
            return;
        }
        List<String> names = new ArrayList<>(r.files.keySet());
        names.addAll(r.extraListed);
        StringBuilder json = new StringBuilder("{\"id\":\"x\",\"sha\":\"" + r.commit + "\",\"siblings\":[");
        for (int i = 0; i < names.size(); i++) {
            json.append(i == 0 ? "" : ",").append("{\"rfilename\":\"").append(names.get(i)).append("\"}");
        }
        send(ex, 200, json.append("]}").toString());
    }

    private void serveCdn(HttpExchange ex, String sha) throws IOException {
        byte[] content = blobsBySha.get(sha);
        if (content == null) {
            send(ex, 404, "no blob");
            return;
        }
        byte[] served = corrupt.getOrDefault(sha, content);
        int limit = Integer.MAX_VALUE;
        int stall = 0;
        int[] cut = cuts.get(sha);
        synchronized (cuts) {
            if (cut != null && cut[1] > 0) {
                cut[1]--;
                limit = cut[0];
                stall = cut[2];
            }
        }
        if (limit < 0) {
            throw new IOException("loopback hub: dropping the connection before the response");
        }
        ex.getResponseHeaders().set("ETag", "\"s3-" + sha.substring(0, 8) + "\"");
        serveBytes(ex, served, limit, stall);
    }

    /** Serves {@code content} (honouring {@code Range: bytes=N-}), stopping after {@code limit} body bytes. */
    private static void serveBytes(HttpExchange ex, byte[] content, int limit, int stallMillis) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        int from = 0;
        int status = 200;
        if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
            from = Integer.parseInt(range.substring(6, range.length() - 1));
            if (from >= content.length) {
                ex.getResponseHeaders().set("Content-Range", "bytes */" + content.length);
                ex.sendResponseHeaders(416, -1);
                return;
            }
            status = 206;
            ex.getResponseHeaders().set("Content-Range",
                    "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
        }
        ex.getResponseHeaders().set("Accept-Ranges", "bytes");
        int length = content.length - from;
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, length == 0 ? -1 : length);
        OutputStream out = ex.getResponseBody();
        out.write(content, from, Math.min(length, limit));
        out.flush();
        if (limit < length) {
            sleep(stallMillis);
            // A handler that fails makes the server drop the connection: the client sees a cut transfer.
            throw new IOException("loopback hub: cutting the transfer after " + limit + " bytes");
        }
    }

    private static void sleep(int millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean authorised(Repo r, String auth) {
        return !r.gated || ("Bearer " + TOKEN).equals(auth);
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
        handlers.shutdownNow();
    }
}
