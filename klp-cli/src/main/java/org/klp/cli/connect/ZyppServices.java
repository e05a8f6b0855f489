package org.klp.cli.connect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.klp.kernel.files.AtomicFileWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.klp.cli.repo.Zypper;

/**
 * The host's zypper repository services, as SUSEConnect sets them up for each activated product:
 * {@code etc/zypp/services.d/NAME.service} (a RIS service, enabled, refreshed automatically, at the
 * URL the server gave, {@code ?credentials=NAME}) and {@code etc/zypp/credentials.d/NAME} (the
 * system's login and password, 0600), which zypper sends when the service index asks for them.
 * On a host whose packages zypper manages (zypper installed, an rpm database under the root) it
 * then refreshes the service ({@code zypper refs NAME}), which checks it against the server and
 * adds its repositories; simulated hosts get the files only.
 *
 * <p>Service names come from the server; one that could name a file outside those folders is refused.
 */
public final class ZyppServices {

    public static final String SERVICES = "etc/zypp/services.d";
    public static final String CREDENTIALS = "etc/zypp/credentials.d";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    /** A service: its name (zypper's alias) and URL. */
    public record Service(String name, String url) {
        public Service {
            if (name == null || !NAME.matcher(name).matches() || name.equals("SCCcredentials")) {
                throw new IllegalStateException("the server named a service '" + name + "', which cannot be a file name; refusing it");
            }
            if (url == null || !(url.startsWith("http://") || url.startsWith("https://")) || url.chars().anyMatch(c -> c <= ' ')) {
                throw new IllegalStateException("the server gave service " + name + " the URL '" + url + "'; refusing it");
            }
        }
    }

    private ZyppServices() {
    }

    /** Adds (or replaces) a service with the system's credentials, and refreshes it where zypper is installed. */
    public static void add(Path root, Service s, Credentials c) {
        AtomicFileWriter.under(root).write(root.resolve(SERVICES).resolve(s.name() + ".service"),
                "[" + s.name() + "]\nname=" + s.name() + "\nenabled=1\nautorefresh=1\nurl = " + s.url() + "\ntype = ris\n", AtomicFileWriter.Access.PUBLIC);
        AtomicFileWriter.under(root).write(root.resolve(CREDENTIALS).resolve(s.name()), "username=" + c.login() + "\npassword=" + c.password() + "\n", AtomicFileWriter.Access.PRIVATE);
        if (zypperManages(root)) {
            Zypper.Result r = Zypper.run(root, List.of("refresh-services", s.name()));
            if (r.exitCode() != 0) {
                throw new IllegalStateException("zypper could not refresh service " + s.name() + " (exit " + r.exitCode() + "): "
                        + r.output().strip());
            }
        }
    }

    /** zypper is installed and the root has an rpm database. */
    public static boolean zypperManages(Path root) {
        return Zypper.installed() && (Files.isDirectory(root.resolve("var/lib/rpm")) || Files.isDirectory(root.resolve("usr/lib/sysimage/rpm")));
    }

    /** Removes a service, its repositories' definitions and its credentials. */
    public static void remove(Path root, String name) {
        if (!NAME.matcher(name).matches()) {
            return;
        }
        try {
            Files.deleteIfExists(root.resolve(SERVICES).resolve(name + ".service"));
            Files.deleteIfExists(root.resolve(CREDENTIALS).resolve(name));
            Path repos = root.resolve("etc/zypp/repos.d");
            if (Files.isDirectory(repos)) {
                try (DirectoryStream<Path> s = Files.newDirectoryStream(repos, "*.repo")) {
                    for (Path r : s) {
                        if (Files.readString(r, StandardCharsets.UTF_8).lines().anyMatch(l -> l.replace(" ", "").equals("service=" + name))) {
                            Files.delete(r);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove service " + name + " under " + root + ": " + e.getMessage(), e);
        }
    }

    /** The services set up under the root. */
    public static List<Service> list(Path root) {
        List<Service> out = new ArrayList<>();
        Path dir = root.resolve(SERVICES);
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.service")) {
            for (Path f : s) {
                String name = f.getFileName().toString().replaceFirst("\\.service$", "");
                Optional<String> url = Files.readString(f, StandardCharsets.UTF_8).lines().map(l -> l.split("=", 2))
                        .filter(kv -> kv.length == 2 && kv[0].strip().equals("url")).map(kv -> kv[1].strip()).findFirst();
                if (url.isPresent() && NAME.matcher(name).matches()) {
                    try {
                        out.add(new Service(name, url.get()));
                    } catch (IllegalStateException ignored) {
                        // not a service klp or SUSEConnect set up
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }
}
