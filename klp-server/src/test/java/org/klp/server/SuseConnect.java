package org.klp.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The requests SUSE's own client, SUSEConnect (connect-ng 1.8.0), sends, as its {@code --debug}
 * output shows them against a klp server: methods, paths, query strings, headers and bodies byte
 * for byte, so that tests replay exactly what a stock SLES host sends. One instance is one host:
 * it keeps the credentials the announce returned, as SUSEConnect keeps them in SCCcredentials.
 */
final class SuseConnect {

    static final String USER_AGENT = "SUSEConnect-ng/1.8.0";
    static final String ACCEPT = "application/json,application/vnd.scc.suse.com.v4+json";
    /** SUSEConnect's system information (makeSysInfoBody): the announce's and the update's body. */
    static final String SYSTEM_INFO = "{\"hostname\":\"%s\",\"distro_target\":\"sle-15-x86_64\",\"hwinfo\":{\"hostname\":\"%s\",\"cpus\":0,"
            + "\"sockets\":0,\"hypervisor\":\"\",\"arch\":\"unknown\",\"uuid\":\"\",\"cloud_provider\":\"\",\"mem_total\":24105}}";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final String hostname;
    String login;
    String password;

    /** What the server answered. */
    record Answer(int status, Map<String, java.util.List<String>> headers, String text) {
        JsonNode json() {
            try {
                return JSON.readTree(text);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + text, e);
            }
        }

        String error() {
            return json().path("error").asText();
        }

        String localizedError() {
            return json().path("localized_error").asText();
        }

        String header(String name) {
            return headers.getOrDefault(name.toLowerCase(java.util.Locale.ROOT), java.util.List.of()).stream().findFirst().orElse(null);
        }
    }

    SuseConnect(String base, String hostname) {
        this.base = base;
        this.hostname = hostname;
    }

    /** A host that already holds credentials (another host's, say). */
    SuseConnect as(String login, String password) {
        SuseConnect other = new SuseConnect(base, hostname);
        other.login = login;
        other.password = password;
        return other;
    }

    String basic() {
        return "Basic " + Base64.getEncoder().encodeToString((login + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    String systemInfo() {
        return String.format(SYSTEM_INFO, hostname, hostname);
    }

    // ---- SUSEConnect -r CODE (register the base product)

    /** POST /connect/subscriptions/systems with the code; keeps the credentials as SUSEConnect writes them to SCCcredentials. */
    Answer announce(String code) {
        Answer a = send("POST", "/connect/subscriptions/systems", "Token token=" + code, systemInfo());
        if (a.status() == 201) {
            login = a.json().get("login").asText();
            password = a.json().get("password").asText();
        }
        return a;
    }

    /** POST /connect/systems/products: activateProduct's payload (an empty release type and e-mail, the code as token or empty). */
    Answer activate(String identifier, String version, String arch, String code) {
        return send("POST", "/connect/systems/products", basic(), "{\"identifier\":\"" + identifier + "\",\"version\":\"" + version + "\",\"arch\":\""
                + arch + "\",\"release_type\":\"\",\"token\":\"" + (code == null ? "" : code) + "\",\"email\":\"\"}");
    }

    /** GET /connect/systems/products: showProduct's query (with an empty release_type). */
    Answer show(String identifier, String version, String arch) {
        return send("GET", "/connect/systems/products?arch=" + arch + "&identifier=" + identifier + "&release_type=&version=" + version, basic(), null);
    }

    /** GET /connect/systems/products as connect-ng 1.20 and later send it (registration.FetchProductInfo): the product as a JSON body. */
    Answer showWithBody(String identifier, String version, String arch) {
        return send("GET", "/connect/systems/products", basic(), "{\"identifier\":\"" + identifier + "\",\"version\":\"" + version
                + "\",\"arch\":\"" + arch + "\"}\n");
    }

    // ---- --list-extensions, --status

    Answer activations() {
        return send("GET", "/connect/systems/activations", basic(), null);
    }

    // ---- --keepalive, and every later registration run

    Answer update() {
        return send("PUT", "/connect/systems", basic(), systemInfo());
    }

    // ---- -d -p PRODUCT

    /** DELETE /connect/systems/products with the product as zypper's product list gives it (SUSEConnect marshals its whole struct). */
    Answer deactivate(String identifier, String version, String arch) {
        return send("DELETE", "/connect/systems/products", basic(), "{\"identifier\":\"" + identifier + "\",\"version\":\"" + version + "\",\"arch\":\""
                + arch + "\",\"isbase\":false,\"ProductLine\":\"\",\"available\":false,\"free\":false,\"recommended\":false}");
    }

    // ---- -d

    /** PUT /connect/systems/products with the installed base product (upgradeProduct of the base itself, first step of -d). */
    Answer upgradeBase(String identifier, String version, String arch, String summary) {
        return send("PUT", "/connect/systems/products", basic(), "{\"identifier\":\"" + identifier + "\",\"version\":\"" + version + "\",\"arch\":\""
                + arch + "\",\"summary\":\"" + summary + "\",\"isbase\":true,\"ProductLine\":\"" + identifier
                + "\",\"available\":false,\"free\":false,\"recommended\":false,\"description\":\"" + summary + " (published by a klp server)\"}");
    }

    Answer deregister() {
        return send("DELETE", "/connect/systems", basic(), null);
    }

    // ---- what SUSEConnect asks after an error other than 401, to word it

    Answer installerProbe() {
        return send("GET", "/connect/repositories/installer", null, null);
    }

    // ---- zypper (libzypp) reading the service SUSEConnect added: first without credentials, then with them after the 401

    Answer serviceIndex(String serviceUrl, boolean withCredentials) {
        String path = serviceUrl.substring(base.length());
        int q = path.indexOf('?');
        String indexPath = (q < 0 ? path : path.substring(0, q)) + "/repo/repoindex.xml" + (q < 0 ? "" : path.substring(q));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + indexPath)).timeout(Duration.ofSeconds(30)).GET()
                .header("User-Agent", "ZYpp 17.25.7 (curl 7.88.1)");
        if (withCredentials) {
            b.header("Authorization", basic());
        }
        return exchange(b.build());
    }

    Answer send(String method, String path, String authorization, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("User-Agent", USER_AGENT).header("Accept", ACCEPT).header("Accept-Language", "C.UTF-8")
                .header("Content-Type", "application/json").header("System-Token", "").header("Accept-Encoding", "gzip");
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return exchange(b.build());
    }

    private Answer exchange(HttpRequest request) {
        try {
            HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            byte[] body = r.body();
            if (r.headers().firstValue("Content-Encoding").orElse("").equals("gzip")) {
                body = new GZIPInputStream(new java.io.ByteArrayInputStream(body)).readAllBytes();
            }
            return new Answer(r.statusCode(), r.headers().map(), new String(body, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
