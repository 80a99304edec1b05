package dev.memorag.generation;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP/1.1 server that misbehaves on purpose. Each connection carries one request; the script decides the
 * raw bytes of the answer (or none) by attempt number, then the connection is closed.
 */
final class FaultServer implements AutoCloseable {
    /** Writes the answer to attempt {@code attempt} (1-based). */
    @FunctionalInterface
    interface Script {
        void answer(int attempt, Request request, OutputStream out) throws Exception;
    }

    record Request(String head, String body) {
        String header(String name) {
            for (String line : head.split("\r\n")) {
                int c = line.indexOf(':');
                if (c > 0 && line.substring(0, c).trim().equalsIgnoreCase(name)) {
                    return line.substring(c + 1).trim();
                }
            }
            return null;
        }
    }

    private final ServerSocket socket;
    private final Script script;
    private final AtomicInteger attempts = new AtomicInteger();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    FaultServer(Script script) throws IOException {
        this.script = script;
        this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "fault-server-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        threads.add(acceptor);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + socket.getLocalPort() + "/v1";
    }

    int attempts() {
        return attempts.get();
    }

    List<Request> requests() {
        return requests;
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                Thread t = new Thread(() -> serve(s), "fault-server-conn");
                t.setDaemon(true);
                threads.add(t);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setSoTimeout(5000);
            Request r = readRequest(s.getInputStream());
            if (r == null) {
                return;
            }
            requests.add(r);
            int n = attempts.incrementAndGet();
            OutputStream out = s.getOutputStream();
            script.answer(n, r, out);
            out.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // The client gave up (timeout, cancellation): expected in several tests.
        }
    }

    private static Request readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while (matched < 4 && (b = in.read()) >= 0) {
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        if (matched < 4) {
            return null;
        }
        String h = head.toString(StandardCharsets.UTF_8);
        int length = 0;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return new Request(h, new String(body, StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------------------------------ response helpers

    static void json(OutputStream out, int status, String body, String... extraHeaders) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\n");
        for (String h : extraHeaders) {
            sb.append(h).append("\r\n");
        }
        sb.append("Content-Length: ").append(b.length).append("\r\nConnection: close\r\n\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        out.write(b);
        out.flush();
    }

    static void sseHead(OutputStream out) throws IOException {
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** One SSE event {@code data: <data>} as one HTTP chunk. */
    static void sse(OutputStream out, String data) throws IOException {
        byte[] b = ("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
        out.write((Integer.toHexString(b.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    static void sseEnd(OutputStream out) throws IOException {
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    static String delta(String content) {
        return "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + content + "\"},\"finish_reason\":null}]}";
    }

    static String roleDelta() {
        return "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}]}";
    }

    static String finish(String reason) {
        return "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"" + reason + "\"}]}";
    }

    static String usage(int prompt, int completion) {
        return "{\"choices\":[],\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + completion
                + ",\"total_tokens\":" + (prompt + completion) + "}}";
    }

    static String completion(String content) {
        return "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
                + "\"assistant\",\"content\":\"" + content + "\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,\"total_tokens\":9}}";
    }

    /** A complete successful stream of {@code pieces}. */
    static void fullStream(OutputStream out, String... pieces) throws IOException {
        sseHead(out);
        sse(out, roleDelta());
        for (String p : pieces) {
            sse(out, delta(p));
        }
        sse(out, finish("stop"));
        sse(out, usage(5, pieces.length));
        sse(out, "[DONE]");
        sseEnd(out);
    }

    @Override
    public void close() throws IOException {
        socket.close();
        for (Thread t : threads) {
            t.interrupt();
        }
    }
}
