package org.klp.server.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server's heap while it imports hostile CVE feeds of 64 MiB (the API's limit) over HTTP.
 *
 * <p>{@code klp-server serve} runs as its own process with a heap of {@value #HEAP_MB} MiB and
 * G1's log. Its floor is measured in the same run: the heap after a full GC once it is up and idle.
 * Then each feed is sent as it is generated (this process never holds one either), and the bench
 * reads from the GC log the largest heap after a collection during the import (what the import
 * retains) and the largest before one (what it allocates between two), and after a full GC at the
 * end. A feed whose answer does not count the lines that were sent is a degenerate run: the bench
 * says so and reports nothing for it.
 *
 * <p>Feeds: garbage lines (63 characters of {@code x}); lines of 1 MiB; well-formed records each
 * refused for its score (every line parsed whole, then refused); 1,000 good records repeated
 * (the first of each stored, the repeats refused as listed again) with an id too long to store
 * among them.
 */
public final class FeedHeap {

    static final int HEAP_MB = 256;
    static final long FEED_BYTES = 64L * 1024 * 1024 - 4096;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern GC = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");
    private static final Pattern HEAP_INFO = Pattern.compile("total (\\d+)K, used (\\d+)K");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private String base;
    private String token;
    private Path gcLog;

    public static void main(String[] args) throws Exception {
        new FeedHeap().run();
    }

    /** A feed of about {@link #FEED_BYTES} made of {@code line.apply(i)} + newline, generated as it is read. */
    static InputStream feed(IntFunction<String> line) {
        return new InputStream() {
            private byte[] current = new byte[0];
            private int at;
            private int index;
            private long sent;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (at == current.length) {
                    String next = line.apply(index++) + "\n";
                    if (sent + next.length() > FEED_BYTES) {
                        return -1;
                    }
                    current = next.getBytes(StandardCharsets.UTF_8);
                    at = 0;
                }
                int n = Math.min(len, current.length - at);
                System.arraycopy(current, at, b, off, n);
                at += n;
                sent += n;
                return n;
            }
        };
    }

    static int linesIn(IntFunction<String> line) {
        long sent = 0;
        int n = 0;
        while (true) {
            long next = line.apply(n).getBytes(StandardCharsets.UTF_8).length + 1;
            if (sent + next > FEED_BYTES) {
                return n;
            }
            sent += next;
            n++;
        }
    }

    static String record(String id, double cvss) {
        return "{\"id\":\"" + id + "\",\"cvss\":" + cvss + ",\"published\":\"2024-01-31\",\"affected\":[{\"fixedIn\":\"5.14.21-150500.55.90-default\"}]}";
    }

    private void run() throws Exception {
        Path dir = Files.createTempDirectory("klp-feed-heap-");
        Process server = null;
        try {
            server = start(dir);
            long floor = usedAfterFullGc(server);
            System.out.printf(Locale.ROOT, "server: klp-server serve, H2, -Xmx%dm, G1; idle heap after a full GC (the floor): %.1f MB%n", HEAP_MB,
                    floor / 1e6);
            measure(server, floor, "garbage: 63 x's a line", i -> "x".repeat(63), false);
            measure(server, floor, "lines of 1 MiB", i -> "{\"id\":\"CVE-2024-" + (1000 + i) + "\",\"summary\":\"" + "y".repeat(1 << 20) + "\"}", false);
            measure(server, floor, "well-formed records, each refused for its score", i -> record("CVE-2025-" + (100_000 + i), 11.0), false);
            measure(server, floor, "1,000 good records over and over (every 1,000th line an id too long to store)",
                    i -> i % 1000 == 999 ? record("CVE-2032-" + "9".repeat(25), 7.5) : record("CVE-2026-" + (100_000 + i % 1000), 7.5), true);
        } finally {
            if (server != null) {
                server.destroy();
                if (!server.waitFor(60, TimeUnit.SECONDS)) {
                    server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    private void measure(Process server, long floor, String name, IntFunction<String> line, boolean stores) throws Exception {
        int lines = linesIn(line);
        long gcFrom = Files.size(gcLog);
        long t0 = System.nanoTime();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/v1/cves")).timeout(Duration.ofMinutes(20))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> feed(line))).build();
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        double seconds = (System.nanoTime() - t0) / 1e9;
        long usedAtEnd = used(server);
        long[] gc = gcSince(gcFrom);
        long after = usedAfterFullGc(server);
        JsonNode n = r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        if (n == null || n.path("lines").asInt() != lines || (stores ? n.path("added").asInt() + n.path("unchanged").asInt() + n.path("updated").asInt()
                + n.path("refusedTotal").asInt() : n.path("refusedTotal").asInt()) != lines) {
            System.out.printf(Locale.ROOT, "%s: DEGENERATE RUN, not reported: sent %,d lines, the server answered %d %s%n", name, lines, r.statusCode(),
                    r.body().length() > 300 ? r.body().substring(0, 300) + "…" : r.body());
            return;
        }
        System.out.printf(Locale.ROOT, "%s: %,d bytes, %,d lines (%,d refused, %,d stored) in %.1f s; answer %,d bytes%n", name, FEED_BYTES, lines,
                n.path("refusedTotal").asInt(), n.path("added").asInt() + n.path("updated").asInt(), seconds, r.body().length());
        if (gc[2] == 0) {
            System.out.printf(Locale.ROOT, "  heap during the import: no collection was needed; %.1f MB in use when it answered (garbage included),"
                    + " %.1f MB after a full GC (%.2fx the floor)%n", usedAtEnd / 1e6, after / 1e6, (double) after / floor);
            return;
        }
        System.out.printf(Locale.ROOT, "  heap during the import: at most %d MB after a collection (%.2fx the floor: %+d MB), at most %d MB before one"
                        + " (of %d MB), %d collections; after a full GC at the end %.1f MB (%.2fx the floor)%n",
                gc[1], gc[1] * 1e6 / floor, Math.round(gc[1] - floor / 1e6), gc[0], HEAP_MB, gc[2], after / 1e6, (double) after / floor);
    }

    /** Largest heap before and after a collection logged since {@code from}, and how many collections. */
    private long[] gcSince(long from) throws IOException {
        long before = 0;
        long after = 0;
        long count = 0;
        String text = Files.readString(gcLog);
        for (String l : text.substring((int) Math.min(from, text.length())).split("\n")) {
            Matcher m = GC.matcher(l);
            if (m.find()) {
                before = Math.max(before, Long.parseLong(m.group(1)));
                after = Math.max(after, Long.parseLong(m.group(2)));
                count++;
            }
        }
        return new long[] {before, after, count};
    }

    private Process start(Path dir) throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        gcLog = dir.resolve("gc.log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + HEAP_MB + "m",
                "-XX:+UseG1GC", "-Xlog:gc:file=" + gcLog, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
                "org.klp.server.Main", "serve", "--data", dir.resolve("data").toString(), "--port", Integer.toString(port)));
        Path log = dir.resolve("server.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        base = "http://127.0.0.1:" + port;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline && p.isAlive()) {
            Matcher m = Pattern.compile("\\n\\s+(klp_\\S+)").matcher(Files.readString(log));
            if (m.find()) {
                token = m.group(1);
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/audit/status"))
                            .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200 && JSON.readTree(r.body()).path("ready").asBoolean()) {
                        return p;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
            }
            Thread.sleep(200);
        }
        System.out.println(Files.readString(log));
        throw new IllegalStateException("the server did not start within 3 minutes (its log above)");
    }

    private static long usedAfterFullGc(Process server) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        run(jcmd, Long.toString(server.pid()), "GC.run");
        return used(server);
    }

    /** The heap in use now, garbage included. */
    private static long used(Process server) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Matcher m = HEAP_INFO.matcher(run(jcmd, Long.toString(server.pid()), "GC.heap_info"));
        if (!m.find()) {
            throw new IllegalStateException("jcmd did not say the heap's size");
        }
        return Long.parseLong(m.group(2)) * 1024;
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return out;
    }
}
