package dev.memorag.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.error.DownloadException;
import dev.memorag.error.ModelNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The few hub HTTP calls the resolver needs: the revision listing, a metadata {@code HEAD} and a (ranged) {@code GET}.
 *
 * <p>Redirects are followed by hand so that the bearer token is only ever sent to the endpoint's own host (the hub
 * redirects large files to a CDN with pre-signed URLs) and so that the first hop's {@code X-Linked-Etag} stays visible.
 *
 * <p>Thread-safety: thread-safe (immutable; {@link HttpClient} is thread-safe).
 */
final class HubClient {
    private static final int MAX_REDIRECTS = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The commit a revision points at and the files it contains. */
    record Listing(String commit, List<String> files) {
    }

    /** File metadata from a {@code HEAD} on the resolve URL. */
    record FileMeta(String etag, long size) {
    }

    private final HttpClient http;
    private final URI endpoint;
    /** The endpoint without a trailing slash; a mirror may serve the hub API under a path prefix. */
    private final String base;
    private final String token;
    private final Duration requestTimeout;
    private final Duration readTimeout;
    private final String userAgent;

    HubClient(URI endpoint, String token, Duration connectTimeout, Duration requestTimeout, Duration readTimeout) {
        this.endpoint = endpoint;
        String e = endpoint.toString();
        this.base = e.endsWith("/") ? e.substring(0, e.length() - 1) : e;
        this.token = token;
        this.requestTimeout = requestTimeout;
        this.readTimeout = readTimeout;
        this.http = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        String v = HubClient.class.getPackage().getImplementationVersion();
        this.userAgent = "memorag-jvm/" + (v == null ? "dev" : v) + "; java/" + System.getProperty("java.version");
    }

    URI apiUri(RepoId repo, String revision) {
        return URI.create(base + "/api/models/" + repo.id() + "/revision/" + encode(revision));
    }

    URI resolveUri(RepoId repo, String revision, String file) {
        StringBuilder path = new StringBuilder("/").append(repo.id()).append("/resolve/").append(encode(revision));
        for (String seg : file.split("/", -1)) {
            path.append('/').append(encode(seg));
        }
        return URI.create(base + path);
    }

    Listing list(RepoId repo, String revision) {
        URI uri = apiUri(repo, revision);
        HttpResponse<InputStream> rsp = send("GET", uri, -1, true);
        try (InputStream body = rsp.body()) {
            checkStatus(rsp, repo, revision, null, uri);
            JsonNode root;
            try {
                root = JSON.readTree(body);
            } catch (IOException e) {
                throw new DownloadException("invalid JSON from " + uri + ": " + e.getMessage(), e);
            }
            String sha = root.path("sha").asText("");
            JsonNode siblings = root.path("siblings");
            if (sha.isEmpty() || !siblings.isArray()) {
                throw new DownloadException("unexpected listing from " + uri + ": missing 'sha' or 'siblings'");
            }
            List<String> files = new ArrayList<>();
            for (JsonNode s : siblings) {
                String name = s.path("rfilename").asText("");
                if (name.isEmpty()) {
                    throw new DownloadException("unexpected listing from " + uri + ": a sibling has no 'rfilename'");
                }
                files.add(name);
            }
            return new Listing(sha, List.copyOf(files));
        } catch (IOException e) {
            throw new DownloadException("reading " + uri + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * {@code HEAD} of a file: the ETag as the Python tools read it ({@code X-Linked-Etag}, else {@code ETag}, after
     * following only same-host redirects, so that a large file's CDN redirect is not followed) and the size when known.
     */
    FileMeta head(RepoId repo, String revision, String file) {
        URI uri = resolveUri(repo, revision, file);
        HttpResponse<InputStream> rsp = send("HEAD", uri, -1, false);
        try {
            checkStatus(rsp, repo, revision, file, uri);
            HttpHeaders h = rsp.headers();
            String etag = h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag")).map(HubClient::normalizeEtag)
                    .orElseThrow(() -> new DownloadException("no ETag for " + file + " from " + uri
                            + ": cannot place it in the cache"));
            long size = h.firstValue("X-Linked-Size").map(HubClient::parseLong).orElse(-1L);
            return new FileMeta(etag, size);
        } finally {
            closeQuietly(rsp);
        }
    }

    /**
     * {@code GET} of a file from byte {@code offset} (a {@code Range} request when {@code offset > 0}), following all
     * redirects. The caller checks the status (200 or 206) and closes the body.
     */
    HttpResponse<InputStream> get(RepoId repo, String revision, String file, long offset) {
        URI uri = resolveUri(repo, revision, file);
        HttpResponse<InputStream> rsp = send("GET", uri, offset, true);
        if (rsp.statusCode() != 200 && rsp.statusCode() != 206 && rsp.statusCode() != 416) {
            closeQuietly(rsp);
            checkStatus(rsp, repo, revision, file, uri);
            throw new DownloadException("GET " + uri + " returned HTTP " + rsp.statusCode());
        }
        return rsp;
    }

    private HttpResponse<InputStream> send(String method, URI uri, long offset, boolean followCrossHost) {
        URI current = uri;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder rb = HttpRequest.newBuilder(current)
                    .timeout(requestTimeout)
                    .header("User-Agent", userAgent)
                    .method(method, HttpRequest.BodyPublishers.noBody());
            if (token != null && sameOrigin(current, endpoint)) {
                rb.header("Authorization", "Bearer " + token);
            }
            if (offset > 0) {
                rb.header("Range", "bytes=" + offset + "-");
            }
            HttpResponse<InputStream> rsp;
            try {
                rsp = http.send(rb.build(), IdleTimeoutBody.handler(readTimeout));
            } catch (IOException e) {
                throw new ConnectionFailedException(method + " " + current + " failed: " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DownloadException(method + " " + current + " was interrupted", e);
            }
            int status = rsp.statusCode();
            Optional<String> location = rsp.headers().firstValue("Location");
            if (status < 300 || status >= 400 || status == 304 || location.isEmpty()) {
                return rsp;
            }
            URI next = current.resolve(location.get());
            if (!followCrossHost && !sameOrigin(next, current)) {
                return rsp;
            }
            closeQuietly(rsp);
            if (hop >= MAX_REDIRECTS) {
                throw new DownloadException(method + " " + uri + ": more than " + MAX_REDIRECTS + " redirects");
            }
            current = next;
        }
    }

    private void checkStatus(HttpResponse<?> rsp, RepoId repo, String revision, String file, URI uri) {
        int status = rsp.statusCode();
        if (status < 400) {
            return;
        }
        String what = file == null ? "repository " + repo + " revision " + revision
                : "file " + file + " of " + repo + " revision " + revision;
        if (status == 401 || status == 403) {
            throw new DownloadException(what + " at " + uri + ": HTTP " + status + (token == null
                    ? " (gated or private: set HF_TOKEN to a token with access)"
                    : " (the token in HF_TOKEN was rejected or has no access)"));
        }
        if (status == 404) {
            throw new ModelNotFoundException(what + " not found at " + uri + " (HTTP 404)");
        }
        throw new DownloadException(what + " at " + uri + ": HTTP " + status);
    }

    private static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(a.getScheme(), b.getScheme()) && Objects.equals(a.getHost(), b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        if (u.getPort() >= 0) {
            return u.getPort();
        }
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /** Strips the weak marker and quotes the hub puts around ETags. */
    static String normalizeEtag(String raw) {
        String e = raw.trim();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e;
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The request did not get a response (refused, reset, timed out): worth retrying, unlike an HTTP error. */
    static final class ConnectionFailedException extends DownloadException {
        private static final long serialVersionUID = 1L;

        ConnectionFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static void closeQuietly(HttpResponse<InputStream> rsp) {
        try {
            rsp.body().close();
        } catch (IOException e) {
            // nothing to recover: the connection is discarded
        }
    }
}
