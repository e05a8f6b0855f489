package org.klp.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/**
 * The operators' API as the command line reaches it: a running server's URL and an admin token.
 * Why over HTTP and not on the data folder: the audit lives in the server's memory, current with
 * every check-in; a command that rebuilt it from the database would load the whole fleet for each
 * answer, and could not open an embedded H2 database the server holds anyway.
 */
public final class ServerClient {

    /** The options every remote command takes. */
    public static final class Options {
        @Option(names = "--server", paramLabel = "URL", description = "The server (default: $KLP_SERVER or ${DEFAULT-VALUE}).")
        String server = System.getenv().getOrDefault("KLP_SERVER", "http://127.0.0.1:8080");

        @Option(names = "--token", paramLabel = "TOKEN", description = "An admin token (default: $KLP_ADMIN_TOKEN; 'klp-server admin token create'"
                + " makes one). Prefer the variable: a command line is visible to other users.")
        String token = System.getenv("KLP_ADMIN_TOKEN");

        ServerClient client() {
            if (token == null || token.isBlank()) {
                throw new Failure("no admin token: set KLP_ADMIN_TOKEN or give --token (the first is printed at the server's first start;"
                        + " 'klp-server admin token create' makes more)");
            }
            return new ServerClient(server.endsWith("/") ? server.substring(0, server.length() - 1) : server, token.strip());
        }
    }

    /** A request that failed: what went wrong and what to do; the command exits 3. */
    public static final class Failure extends RuntimeException {
        public Failure(String message) {
            super(message);
        }
    }

    /** An answer: its status, content type and body. */
    public record Answer(int status, String contentType, String body) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    ServerClient(String base, String token) {
        this.base = base;
        this.token = token;
    }

    /** Query parameters in order, nulls left out. */
    static Map<String, Object> params(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            if (keyValues[i + 1] != null) {
                m.put((String) keyValues[i], keyValues[i + 1]);
            }
        }
        return m;
    }

    Answer get(String path, Map<String, Object> query) {
        String q = query.entrySet().stream().map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue().toString(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(HttpRequest.newBuilder(uri(path + (q.isEmpty() ? "" : "?" + q))).GET());
    }

    Answer post(String path, byte[] body, String contentType) {
        return post(path, HttpRequest.BodyPublishers.ofByteArray(body), contentType);
    }

    /** A body sent as it is read (a file, standard input), never held whole. */
    Answer post(String path, HttpRequest.BodyPublisher body, String contentType) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType).POST(body));
    }

    Answer put(String path, JsonNode body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body.toString().getBytes(StandardCharsets.UTF_8))));
    }

    Answer post(String path, JsonNode body) {
        return post(path, body == null ? new byte[0] : body.toString().getBytes(StandardCharsets.UTF_8), "application/json");
    }

    Answer delete(String path) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    /** A path segment as the API reads it: percent-encoded, so that a name cannot reach another route. */
    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    JsonNode json(Answer a) {
        try {
            return JSON.readTree(a.body());
        } catch (IOException e) {
            throw new Failure("the server at " + base + " answered something that is not JSON: " + e.getMessage());
        }
    }

    private URI uri(String pathAndQuery) {
        try {
            return URI.create(base + pathAndQuery);
        } catch (IllegalArgumentException e) {
            throw new Failure("not a server URL: '" + base + "' (expected e.g. http://127.0.0.1:8080)");
        }
    }

    private Answer send(HttpRequest.Builder b) {
        HttpRequest request = b.header("Authorization", "Bearer " + token).timeout(Duration.ofMinutes(5)).build();
        HttpResponse<String> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new Failure("cannot reach the server at " + base + " (is it running? start it with 'klp-server serve', or give --server URL)");
        } catch (IOException e) {
            throw new Failure("talking to the server at " + base + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted");
        }
        String type = r.headers().firstValue("Content-Type").orElse("");
        if (r.statusCode() >= 300) {
            String message = r.body();
            try {
                JsonNode n = JSON.readTree(r.body());
                message = n.path("error").asText(message);
            } catch (IOException notJson) {
                // the raw body says it
            }
            if (r.statusCode() == 401) {
                throw new Failure("the server refused the admin token (" + message + "); give a valid one with KLP_ADMIN_TOKEN or --token");
            }
            throw new Failure(message + " (HTTP " + r.statusCode() + ")");
        }
        return new Answer(r.statusCode(), type, r.body());
    }
}
