package org.klp.cli.connect;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.klp.core.fleet.DesiredState;
import org.klp.core.fleet.HostPosture;

/**
 * The host's side of the server protocol: SCC's v4 subset (announce, activate, products,
 * activations, deregister) and klp's check-in. Reads replies tolerantly (a newer server may add
 * fields); every failure is an {@link IllegalStateException} whose message says what the server
 * said, or that it could not be reached, and what to do.
 */
public final class ConnectClient {

    private static final ObjectMapper JSON = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.READ_ENUMS_USING_TO_STRING)
            .enable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_ENUMS_USING_TO_STRING).build();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Announced(long id, String login, String password, String product) {
    }

    /** A product's repository service (SCC's shape) and the product it serves. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Service(long id, String name, String url, ProductNode product) {
        public ZyppServices.Service zypp() {
            return new ZyppServices.Service(name, url);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ProductNode(int id, String identifier, String version, String arch, String name,
                              @JsonProperty("friendly_name") String friendlyName, @JsonProperty("product_type") String productType,
                              boolean free, boolean activated, List<ProductNode> extensions) {
        public String triplet() {
            return identifier + "/" + version + "/" + arch;
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Activation(long id, String type, Service service) {
    }

    public record CheckinBody(HostPosture posture, String agent) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CheckinReply(long systemId, String group, DesiredState desired) {
    }

    private final String server;

    public ConnectClient(String server) {
        if (server == null || !(server.startsWith("http://") || server.startsWith("https://"))) {
            throw new IllegalArgumentException("Not a server URL: '" + server + "' (expected http://HOST:PORT or https://…)");
        }
        this.server = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
    }

    public String server() {
        return server;
    }

    public Announced announce(String code, String hostname) {
        return send("POST", "/connect/subscriptions/systems", "Token token=" + code, JSON.createObjectNode().put("hostname", hostname), Announced.class);
    }

    public Service activate(Credentials c, String identifier, String version, String arch, String code) {
        var body = JSON.createObjectNode().put("identifier", identifier).put("version", version).put("arch", arch);
        if (code != null) {
            body.put("token", code);
        }
        return send("POST", "/connect/systems/products", basic(c), body, Service.class);
    }

    /** Deactivates an extension ({@code SUSEConnect -d -p}): the server frees its code's seat and names the service to remove. */
    public Service deactivate(Credentials c, String identifier, String version, String arch) {
        var body = JSON.createObjectNode().put("identifier", identifier).put("version", version).put("arch", arch);
        return send("DELETE", "/connect/systems/products", basic(c), body, Service.class);
    }

    /** The repositories of a service, from its index ({@code URL/repo/repoindex.xml}, zypper's RIS), fetched with the system's credentials. */
    public List<String> repositories(Credentials c, Service s) {
        String url = s.url();
        int q = url.indexOf('?');
        String index = (q < 0 ? url : url.substring(0, q)).replaceFirst("/+$", "") + "/repo/repoindex.xml";
        if (!index.startsWith(server + "/")) {
            throw new IllegalStateException("service " + s.name() + " is at " + url + ", not on " + server + "; refusing to send credentials there");
        }
        byte[] xml = send("GET", index.substring(server.length()), basic(c), null, byte[].class);
        List<String> out = new java.util.ArrayList<>();
        try {
            javax.xml.stream.XMLStreamReader r = org.klp.packaging.xml.SafeXml.reader(new java.io.ByteArrayInputStream(xml), index);
            while (r.hasNext()) {
                if (r.next() == javax.xml.stream.XMLStreamConstants.START_ELEMENT && r.getLocalName().equals("repo")) {
                    String repo = org.klp.packaging.xml.SafeXml.attribute(r, "url", null);
                    if (repo != null && (repo.startsWith("http://") || repo.startsWith("https://"))
                            && !"false".equals(org.klp.packaging.xml.SafeXml.attribute(r, "enabled", "true"))) {
                        out.add(repo);
                    }
                }
            }
        } catch (javax.xml.stream.XMLStreamException e) {
            throw new IllegalStateException("the service index " + index + " is not valid XML: " + e.getMessage(), e);
        }
        return out;
    }

    public ProductNode product(Credentials c, String identifier, String version, String arch) {
        return send("GET", "/connect/systems/products?identifier=" + enc(identifier) + "&version=" + enc(version) + "&arch=" + enc(arch),
                basic(c), null, ProductNode.class);
    }

    public List<Activation> activations(Credentials c) {
        return List.of(send("GET", "/connect/systems/activations", basic(c), null, Activation[].class));
    }

    public void deregister(Credentials c) {
        send("DELETE", "/connect/systems", basic(c), null, null);
    }

    public CheckinReply checkin(Credentials c, HostPosture posture, String agent) {
        return send("POST", "/connect/systems/checkin", basic(c), new CheckinBody(posture, agent), CheckinReply.class);
    }

    /** A file of a repository (for its public key), bounded. */
    public static byte[] fetch(String url, int max) {
        try {
            HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("cannot fetch " + url + ": HTTP " + r.statusCode());
            }
            if (r.body().length > max) {
                throw new IllegalStateException(url + " is larger than " + max + " bytes");
            }
            return r.body();
        } catch (IOException e) {
            throw new IllegalStateException("cannot fetch " + url + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String basic(Credentials c) {
        return "Basic " + Base64.getEncoder().encodeToString((c.login() + ":" + c.password()).getBytes(StandardCharsets.UTF_8));
    }

    private <T> T send(String method, String path, String authorization, Object body, Class<T> type) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server + path)).timeout(Duration.ofSeconds(60))
                    .header("Accept", "application/json").header("Authorization", authorization);
            if (body != null) {
                b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() >= 300) {
                String message;
                try {
                    JsonNode n = JSON.readTree(r.body());
                    message = n != null && n.hasNonNull("error") ? n.get("error").asText() : new String(r.body(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    message = new String(r.body(), StandardCharsets.UTF_8);
                }
                throw new ServerRefused(r.statusCode(), "the klp server refused: " + message + " (HTTP " + r.statusCode() + ")");
            }
            if (type == byte[].class) {
                return type.cast(r.body());
            }
            return type == null || r.statusCode() == 204 ? null : JSON.readValue(r.body(), type);
        } catch (ConnectException e) {
            throw new IllegalStateException("cannot reach the klp server at " + server + ": connection refused; check the URL and that the server runs", e);
        } catch (HttpTimeoutException e) {
            throw new IllegalStateException("the klp server at " + server + " did not answer in time; try again later", e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot talk to the klp server at " + server + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while talking to the klp server", e);
        }
    }

    /** The server answered with an error status. */
    public static final class ServerRefused extends IllegalStateException {
        private final int status;

        ServerRefused(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}
