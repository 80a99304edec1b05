package dev.memorag.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.memorag.error.CancelledException;
import dev.memorag.error.DownloadException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelNotFoundException;
import dev.memorag.api.CancellationToken;
import dev.memorag.testing.LoopbackHub;
import dev.memorag.testing.LoopbackHub.Request;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ModelResolverTest {
    private static final String REPO = "tiny-org/tiny-model";
    private static final byte[] CONFIG = "{\"hidden_size\": 8}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] VOCAB = "{\"a\": 0, \"b\": 1}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] WEIGHTS = new byte[300_000];

    static {
        new Random(7).nextBytes(WEIGHTS);
    }

    @TempDir
    Path tmp;

    private LoopbackHub hub;
    private String commit;
    private Path home;

    @BeforeEach
    void startHub() throws IOException {
        hub = new LoopbackHub();
        commit = hub.addRepo(REPO, false);
        hub.addFile(REPO, "config.json", CONFIG, false);
        hub.addFile(REPO, "tokenizer/vocab.json", VOCAB, false);
        hub.addFile(REPO, "model.safetensors", WEIGHTS, true);
        home = tmp.resolve("hf-home");
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("HF_HOME", home.toString());
        env.put("HF_ENDPOINT", hub.endpoint());
        return env;
    }

    private ModelResolver.Builder resolver() {
        return ModelResolver.builder().env(env()).allowDownload(true).readTimeout(Duration.ofSeconds(5));
    }

    private Path repoDir() {
        return home.resolve("hub").resolve("models--tiny-org--tiny-model");
    }

    @Test
    void downloadsIntoTheHubCacheLayout() throws IOException {
        Map<String, long[]> progress = new ConcurrentHashMap<>();
        Path dir = resolver().progress((stage, done, total) -> progress.put(stage, new long[] {done, total}))
                .build().resolve(REPO);

        assertEquals(repoDir().resolve("snapshots").resolve(commit), dir);
        assertArrayEquals(CONFIG, Files.readAllBytes(dir.resolve("config.json")));
        assertArrayEquals(VOCAB, Files.readAllBytes(dir.resolve("tokenizer/vocab.json")));
        assertArrayEquals(WEIGHTS, Files.readAllBytes(dir.resolve("model.safetensors")));
        assertEquals(commit, Files.readString(repoDir().resolve("refs/main")));
        // The LFS file's blob is named by its sha256; snapshot entries link into blobs/ as the Python tools do.
        Path weightsBlob = repoDir().resolve("blobs").resolve(LoopbackHub.sha256(WEIGHTS));
        assertTrue(Files.isRegularFile(weightsBlob));
        assertTrue(Files.isSymbolicLink(dir.resolve("model.safetensors")));
        assertEquals(weightsBlob, dir.resolve("model.safetensors").toRealPath());
        assertTrue(Files.isRegularFile(repoDir().resolve("blobs").resolve(LoopbackHub.gitOid(CONFIG))));
        try (Stream<Path> blobs = Files.list(repoDir().resolve("blobs"))) {
            assertFalse(blobs.anyMatch(p -> p.toString().endsWith(".incomplete")));
        }
        assertArrayEquals(new long[] {WEIGHTS.length, WEIGHTS.length}, progress.get("download model.safetensors"));
        assertArrayEquals(new long[] {CONFIG.length, CONFIG.length}, progress.get("download config.json"));
        // The large file came from the CDN, the small ones from the hub itself.
        assertTrue(hub.requests().stream().anyMatch(r -> r.server().equals("cdn") && r.method().equals("GET")));
    }

    @Test
    void secondResolveIsACacheHitWithoutRequests() {
        Path first = resolver().build().resolve(REPO);
        int before = hub.requests().size();

        Path second = resolver().build().resolve(REPO);
        Path byCommit = resolver().build().resolve(REPO, commit);

        assertEquals(first, second);
        assertEquals(first, byCommit);
        assertEquals(before, hub.requests().size(), "a cached model must not touch the network");
    }

    @Test
    void explicitDownloadSkipsFilesAlreadyInTheSnapshot() {
        resolver().build().download(REPO, null, List.of());
        int before = hub.requests().size();

        resolver().build().download(REPO, "main", List.of());

        List<Request> again = hub.requests().subList(before, hub.requests().size());
        assertEquals(1, again.size(), "only the listing is fetched again: " + again);
        assertTrue(again.get(0).path().startsWith("/api/models/" + REPO + "/revision/main"));
    }

    @Test
    void interruptedTransferResumesWithRange() throws IOException {
        hub.cutAfter(WEIGHTS, 100_000, 1);

        Path dir = resolver().build().resolve(REPO);

        assertArrayEquals(WEIGHTS, Files.readAllBytes(dir.resolve("model.safetensors")));
        List<Request> cdnGets = hub.requests().stream().filter(r -> r.server().equals("cdn")).toList();
        assertEquals(2, cdnGets.size(), cdnGets.toString());
        assertEquals(null, cdnGets.get(0).range());
        assertEquals("bytes=100000-", cdnGets.get(1).range());
    }

    @Test
    void connectionDroppedBeforeTheResponseIsRetried() throws IOException {
        hub.dropBeforeHeaders(WEIGHTS, 2);

        Path dir = resolver().build().resolve(REPO);

        assertArrayEquals(WEIGHTS, Files.readAllBytes(dir.resolve("model.safetensors")));
        assertEquals(3, hub.requests().stream().filter(r -> r.server().equals("cdn")).count());
    }

    @Test
    void stalledTransferTimesOutAndResumes() throws IOException {
        hub.stallAfter(WEIGHTS, 50_000, 1, 3_000);

        Path dir = resolver().readTimeout(Duration.ofMillis(300)).build().resolve(REPO);

        assertArrayEquals(WEIGHTS, Files.readAllBytes(dir.resolve("model.safetensors")));
        List<Request> cdnGets = hub.requests().stream().filter(r -> r.server().equals("cdn")).toList();
        assertEquals("bytes=50000-", cdnGets.get(cdnGets.size() - 1).range());
    }

    @Test
    void interruptedTransferResumesOnTheNextCall() throws IOException {
        hub.cutAfter(WEIGHTS, 120_000, 1);
        ModelResolver noRetry = resolver().maxRetries(0).build();

        DownloadException e = assertThrows(DownloadException.class, () -> noRetry.resolve(REPO));
        Path part = repoDir().resolve("blobs").resolve(LoopbackHub.sha256(WEIGHTS) + ".incomplete");
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
        assertTrue(e.getMessage().contains(part.toString()), e.getMessage());
        assertEquals(120_000, Files.size(part));
        assertFalse(Files.exists(repoDir().resolve("refs/main")), "an incomplete download must not publish a ref");

        Path dir = noRetry.resolve(REPO);

        assertArrayEquals(WEIGHTS, Files.readAllBytes(dir.resolve("model.safetensors")));
        assertFalse(Files.exists(part));
        Request last = hub.requests().stream().filter(r -> r.server().equals("cdn")).reduce((a, b) -> b).get();
        assertEquals("bytes=120000-", last.range());
    }

    @Test
    void corruptedFileIsRejectedAndDeleted() {
        byte[] wrong = WEIGHTS.clone();
        wrong[12345] ^= 1;
        hub.corrupt(WEIGHTS, wrong);

        DownloadException e = assertThrows(DownloadException.class, () -> resolver().build().resolve(REPO));

        String expected = LoopbackHub.sha256(WEIGHTS);
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
        assertTrue(e.getMessage().contains("expected " + expected), e.getMessage());
        assertTrue(e.getMessage().contains("actual " + LoopbackHub.sha256(wrong)), e.getMessage());
        assertFalse(Files.exists(repoDir().resolve("blobs").resolve(expected)));
        assertFalse(Files.exists(repoDir().resolve("blobs").resolve(expected + ".incomplete")));
        assertFalse(Files.exists(repoDir().resolve("snapshots").resolve(commit)));
    }

    @Test
    void gatedRepositoryNeedsTheToken() throws IOException {
        hub.addRepo("gated/model", true);
        hub.addFile("gated/model", "model.safetensors", WEIGHTS, true);

        DownloadException e = assertThrows(DownloadException.class,
                () -> resolver().build().resolve("gated/model"));
        assertTrue(e.getMessage().contains("401") && e.getMessage().contains("HF_TOKEN"), e.getMessage());

        Map<String, String> env = env();
        env.put("HF_TOKEN", LoopbackHub.TOKEN);
        ModelResolver withToken = ModelResolver.builder().env(env).allowDownload(true).build();
        Path dir = withToken.resolve("gated/model");

        assertArrayEquals(WEIGHTS, Files.readAllBytes(dir.resolve("model.safetensors")));
        // The token goes to the hub only, never to the CDN the hub redirects to, and never into toString.
        assertTrue(hub.requests().stream().filter(r -> r.server().equals("cdn"))
                .allMatch(r -> r.authorization() == null));
        assertTrue(hub.requests().stream().anyMatch(r -> ("Bearer " + LoopbackHub.TOKEN).equals(r.authorization())));
        assertFalse(withToken.toString().contains(LoopbackHub.TOKEN), withToken.toString());
    }

    @Test
    void offlineNeverOpensAConnection() {
        Map<String, String> env = env();
        env.put("HF_HUB_OFFLINE", "1");
        ModelResolver offline = ModelResolver.builder().env(env).allowDownload(true).build();

        ModelNotFoundException resolve = assertThrows(ModelNotFoundException.class, () -> offline.resolve(REPO));
        ModelNotFoundException download = assertThrows(ModelNotFoundException.class,
                () -> offline.download(REPO, "main", List.of()));

        assertTrue(offline.isOffline());
        assertTrue(resolve.getMessage().contains("offline") && resolve.getMessage().contains(REPO),
                resolve.getMessage());
        assertTrue(download.getMessage().contains("offline"), download.getMessage());
        assertEquals(List.of(), hub.requests());

        // A model already in the cache resolves offline.
        Path online = resolver().build().resolve(REPO);
        int before = hub.requests().size();
        assertEquals(online, offline.resolve(REPO));
        assertEquals(before, hub.requests().size());
    }

    @Test
    void withoutDownloadPermissionAMissingModelIsReported() {
        ModelResolver cacheOnly = ModelResolver.builder().env(env()).build();

        ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> cacheOnly.resolve(REPO));

        assertTrue(e.getMessage().contains("not allowed") && e.getMessage().contains(repoDir().toString()),
                e.getMessage());
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void includeGlobsSelectFiles() {
        Path dir = resolver().build().download(REPO, null, List.of("*.json"));

        assertTrue(Files.isRegularFile(dir.resolve("config.json")));
        assertTrue(Files.isRegularFile(dir.resolve("tokenizer/vocab.json")), "* also matches '/', as in fnmatch");
        assertFalse(Files.exists(dir.resolve("model.safetensors")));

        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> resolver().build().download(REPO, null, List.of("*.bin")));
        assertTrue(e.getMessage().contains("*.bin") && e.getMessage().contains(REPO), e.getMessage());
    }

    @Test
    void unsafeFileNamesFromTheHubAreRefused() {
        hub.listExtra(REPO, "../../escape.txt");

        DownloadException e = assertThrows(DownloadException.class, () -> resolver().build().resolve(REPO));

        assertTrue(e.getMessage().contains("'../../escape.txt'"), e.getMessage());
        assertFalse(Files.exists(repoDir().resolve("escape.txt")));
    }

    @Test
    void unknownRepositoryAndRevisionAreNotFound() {
        ModelNotFoundException repo = assertThrows(ModelNotFoundException.class,
                () -> resolver().build().resolve("nobody/nothing"));
        ModelNotFoundException rev = assertThrows(ModelNotFoundException.class,
                () -> resolver().build().resolve(REPO, "v9"));

        assertTrue(repo.getMessage().contains("nobody/nothing") && repo.getMessage().contains("404"),
                repo.getMessage());
        assertTrue(rev.getMessage().contains("revision v9"), rev.getMessage());
    }

    @Test
    void cancellationStopsTheTransferAndKeepsThePartialFile() throws IOException {
        CancellationToken cancel = new CancellationToken();
        ModelResolver r = resolver().cancellation(cancel).progress((stage, done, total) -> {
            if (stage.equals("download model.safetensors") && done > 0) {
                cancel.cancel();
            }
        }).build();

        assertThrows(CancelledException.class, () -> r.resolve(REPO));

        Path part = repoDir().resolve("blobs").resolve(LoopbackHub.sha256(WEIGHTS) + ".incomplete");
        assertTrue(Files.size(part) > 0 && Files.size(part) < WEIGHTS.length);
        Path dir = resolver().build().resolve(REPO);
        assertArrayEquals(WEIGHTS, Files.readAllBytes(dir.resolve("model.safetensors")));
    }

    @Test
    void localDirectoriesResolveToThemselves() throws IOException {
        Path model = Files.createDirectories(tmp.resolve("my-model"));
        ModelResolver r = ModelResolver.builder().env(env()).build();

        assertEquals(model, r.resolve(model.toString()));
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class,
                () -> r.resolve(tmp.resolve("missing").toString()));
        assertTrue(e.getMessage().contains(tmp.resolve("missing").toString()), e.getMessage());
        ModelNotFoundException bad = assertThrows(ModelNotFoundException.class, () -> r.resolve("a/b/c"));
        assertTrue(bad.getMessage().contains("'a/b/c'"), bad.getMessage());
        InvalidInputException empty = assertThrows(InvalidInputException.class, () -> r.resolve(" "));
        assertTrue(empty.getMessage().contains("must not be empty"), empty.getMessage());
    }

    @Test
    void reusesACacheWrittenByThePythonTools() throws IOException {
        // The layout huggingface_hub writes: refs/main -> commit, snapshots/<commit>/<file>.
        String pyCommit = "0123456789abcdef0123456789abcdef01234567";
        Path repo = home.resolve("hub/models--BAAI--bge-m3");
        Files.createDirectories(repo.resolve("snapshots").resolve(pyCommit));
        Files.writeString(repo.resolve("snapshots").resolve(pyCommit).resolve("config.json"), "{}");
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), pyCommit);
        ModelResolver r = ModelResolver.builder().env(env()).build();

        assertEquals(repo.resolve("snapshots").resolve(pyCommit), r.resolve("BAAI/bge-m3"));
        assertEquals(repo.resolve("snapshots").resolve(pyCommit), r.resolve("BAAI/bge-m3", pyCommit));
        assertThrows(ModelNotFoundException.class, () -> r.resolve("BAAI/bge-m3", "v2"));
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void configurationComesFromTheInjectedEnvironment() throws IOException {
        Path xdg = tmp.resolve("xdg");
        Files.createDirectories(xdg.resolve("huggingface"));
        Files.writeString(xdg.resolve("huggingface/token"), "hf_fromTokenFile\n");
        ModelResolver fromXdg = ModelResolver.builder().env(Map.of("XDG_CACHE_HOME", xdg.toString())).build();
        ModelResolver fromHubCache = ModelResolver.builder()
                .env(Map.of("HF_HOME", home.toString(), "HF_HUB_CACHE", tmp.resolve("c").toString())).build();
        ModelResolver explicit = ModelResolver.builder()
                .env(Map.of("HF_HUB_CACHE", tmp.resolve("c").toString(), "HF_HUB_OFFLINE", "true"))
                .hfHome(home).offline(false).endpoint("http://mirror.example/hf/").build();

        assertEquals(xdg.resolve("huggingface/hub"), fromXdg.hubCacheDir());
        assertEquals(ModelResolver.DEFAULT_ENDPOINT, fromXdg.endpoint().toString());
        assertTrue(fromXdg.toString().contains("token=****") && !fromXdg.toString().contains("fromTokenFile"),
                fromXdg.toString());
        assertFalse(fromXdg.isOffline());
        assertEquals(tmp.resolve("c"), fromHubCache.hubCacheDir());
        assertTrue(fromHubCache.toString().contains("token=none"), fromHubCache.toString());
        assertEquals(home.resolve("hub"), explicit.hubCacheDir());
        assertFalse(explicit.isOffline());
        assertEquals("http://mirror.example/hf/", explicit.endpoint().toString());

        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> ModelResolver.builder().env(Map.of("HF_ENDPOINT", "ftp://x")).build());
        assertTrue(e.getMessage().contains("ftp://x"), e.getMessage());
        InvalidInputException rev = assertThrows(InvalidInputException.class,
                () -> ModelResolver.builder().env(env()).build().resolve(REPO, "../main"));
        assertTrue(rev.getMessage().contains("'../main'"), rev.getMessage());
    }

    @Test
    void globsFollowFnmatch() {
        assertTrue(ModelResolver.globToRegex("*.safetensors").matcher("sub/model.safetensors").matches());
        assertTrue(ModelResolver.globToRegex("model-?.bin").matcher("model-1.bin").matches());
        assertFalse(ModelResolver.globToRegex("*.json").matcher("config.json.bak").matches());
        assertTrue(ModelResolver.globToRegex("a+b(*).txt").matcher("a+b(1).txt").matches());
        List<String> none = new ArrayList<>();
        assertThrows(InvalidInputException.class, () -> ModelResolver.globToRegex(""), none.toString());
    }
}
