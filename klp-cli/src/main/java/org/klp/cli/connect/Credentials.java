package org.klp.cli.connect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.klp.kernel.files.AtomicFileWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * This host's registration, laid out as SUSEConnect lays it, so that {@code klp} and
 * {@code SUSEConnect} each read the other's: the system's login and password in
 * {@code etc/zypp/credentials.d/SCCcredentials} ({@code username=}, {@code password=}, and a
 * {@code system_token=} SUSEConnect may keep there; 0600), the server's URL as {@code url:} in
 * {@code etc/SUSEConnect} (SUSEConnect's configuration). klp adds the system's id in
 * {@code etc/klp/system-id}, when it knows it (0 otherwise).
 *
 * <p>A registration made by klp before it used this layout ({@code etc/klp/credentials}) is still
 * read, and removed at deregistration.
 */
public record Credentials(String server, String login, String password, long systemId) {

    public static final String FILE = "etc/zypp/credentials.d/SCCcredentials";
    public static final String CONFIG = "etc/SUSEConnect";
    public static final String SYSTEM_ID = "etc/klp/system-id";
    /** klp's earlier layout. */
    static final String LEGACY_FILE = "etc/klp/credentials";

    // SUSEConnect's own reading of the file: the first username= and password= lines
    private static final Pattern USERNAME = Pattern.compile("(?m)^\\s*username\\s*=\\s*(\\S+)\\s*$");
    private static final Pattern PASSWORD = Pattern.compile("(?m)^\\s*password\\s*=\\s*(\\S+)\\s*$");
    private static final Pattern SYSTEM_TOKEN = Pattern.compile("(?m)^\\s*system_token\\s*=\\s*(\\S+)\\s*$");

    public static Path file(Path root) {
        return root.resolve(FILE);
    }

    public static Optional<Credentials> read(Path root) {
        Optional<String> scc = text(root.resolve(FILE));
        if (scc.isEmpty()) {
            return legacy(root);
        }
        Matcher u = USERNAME.matcher(scc.get());
        Matcher p = PASSWORD.matcher(scc.get());
        if (!u.find() || !p.find()) {
            throw new IllegalStateException(file(root) + " is damaged (needs username= and password= lines); register again");
        }
        String server = serverUrl(root).orElseThrow(() -> new IllegalStateException("this host is registered (" + file(root)
                + ") but " + root.resolve(CONFIG) + " names no server: add 'url: http://SERVER:PORT' to it (SUSEConnect writes it with"
                + " --write-config) or register again with klp register --server URL"));
        return Optional.of(new Credentials(server, u.group(1), p.group(1), systemId(root)));
    }

    public static Credentials require(Path root) {
        return read(root).orElseThrow(() -> new IllegalStateException("this host is not registered; register it first: klp register --server URL -r CODE"));
    }

    /** The server of {@code etc/SUSEConnect} ({@code url:}), as SUSEConnect reads it. */
    public static Optional<String> serverUrl(Path root) {
        return text(root.resolve(CONFIG)).flatMap(t -> t.lines().map(l -> l.split(":", 2)).filter(kv -> kv.length == 2)
                .filter(kv -> kv[0].strip().equals("url")).map(kv -> kv[1].strip()).filter(v -> !v.isEmpty()).findFirst());
    }

    private static long systemId(Path root) {
        try {
            return text(root.resolve(SYSTEM_ID)).map(String::strip).map(Long::parseLong).orElse(0L);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Optional<Credentials> legacy(Path root) {
        Optional<String> text = text(root.resolve(LEGACY_FILE));
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> v = new LinkedHashMap<>();
        for (String line : text.get().split("\n")) {
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && eq > 0) {
                v.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        if (!v.containsKey("server") || !v.containsKey("username") || !v.containsKey("password")) {
            throw new IllegalStateException(root.resolve(LEGACY_FILE) + " is damaged (needs server, username and password); run klp register again");
        }
        long id;
        try {
            id = Long.parseLong(v.getOrDefault("system_id", "0"));
        } catch (NumberFormatException e) {
            id = 0;
        }
        return Optional.of(new Credentials(v.get("server"), v.get("username"), v.get("password"), id));
    }

    /**
     * Writes the registration: SCCcredentials (created 0600, a {@code system_token} kept), the
     * server's URL into {@code etc/SUSEConnect} (its other settings kept), the system id.
     */
    public void write(Path root) {
        Path f = file(root);
        String token = text(f).map(t -> {
            Matcher m = SYSTEM_TOKEN.matcher(t);
            return m.find() ? m.group(1) : null;
        }).orElse(null);
        String scc = "username=" + login + "\npassword=" + password + "\n" + (token == null ? "" : "system_token=" + token + "\n");
        AtomicFileWriter.under(root).write(f, scc, AtomicFileWriter.Access.PRIVATE);
        List<String> config = new ArrayList<>(text(root.resolve(CONFIG)).map(t -> t.lines().toList()).orElse(List.of("---")));
        config.removeIf(l -> l.split(":", 2)[0].strip().equals("url"));
        config.add(config.isEmpty() || !config.get(0).equals("---") ? 0 : 1, "url: " + server);
        AtomicFileWriter.under(root).write(root.resolve(CONFIG), String.join("\n", config) + "\n", AtomicFileWriter.Access.PUBLIC);
        if (systemId > 0) {
            AtomicFileWriter.under(root).write(root.resolve(SYSTEM_ID), systemId + "\n", AtomicFileWriter.Access.PUBLIC);
        }
    }

    /** Removes the registration (SUSEConnect keeps its configuration file, and so does klp). */
    public static void delete(Path root) {
        for (String f : List.of(FILE, SYSTEM_ID, LEGACY_FILE)) {
            try {
                Files.deleteIfExists(root.resolve(f));
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot remove " + root.resolve(f) + ": " + e.getMessage(), e);
            }
        }
    }

    private static Optional<String> text(Path f) {
        try {
            return Optional.of(Files.readString(f, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + f + ": " + e.getMessage(), e);
        }
    }
}
