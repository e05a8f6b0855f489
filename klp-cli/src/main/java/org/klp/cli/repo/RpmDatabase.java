package org.klp.cli.repo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The rpm database under a root, read through {@code rpm --root ROOT --dbpath …} itself: which
 * packages are installed, their files and changelogs. The host's package database is the truth of
 * what is installed; klp reads it, never writes it.
 *
 * <p>Everything rpm prints is untrusted text from package authors: the output is bounded, every
 * field is checked against the shape rpm allows, records are delimited by markers with a random
 * part chosen per query (so no changelog can forge a package), and a package that fails a check is
 * reported and skipped. The database folder must lie inside the root (a symlink leading out of it
 * is refused), and rpm must finish within {@link #TIMEOUT_SECONDS}.
 */
public final class RpmDatabase {

    static final int TIMEOUT_SECONDS = 60;
    static final int MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
    /** Where SUSE (usr/lib/sysimage/rpm) and older or other distributions (var/lib/rpm) keep the database. */
    private static final List<String> DB_PATHS = List.of("usr/lib/sysimage/rpm", "var/lib/rpm");
    /** The files an rpm database folder holds: sqlite (rpm 4.16 and later), ndb (SUSE), Berkeley DB (older). */
    private static final List<String> DB_FILES = List.of("rpmdb.sqlite", "Packages.db", "Packages");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_+.-]{1,200}");
    private static final Pattern VERSION_OR_RELEASE = Pattern.compile("[A-Za-z0-9_+.~^]{1,100}");
    private static final Pattern ARCH = Pattern.compile("[A-Za-z0-9_]{1,30}");
    private static final Pattern NUMBER = Pattern.compile("\\d{1,19}");

    private final Path root;
    private final String dbPath;

    private RpmDatabase(Path root, String dbPath) {
        this.root = root;
        this.dbPath = dbPath;
    }

    /** One installed package: {@code name-version-release.arch}, its build time, files (absolute inside the root) and changelog texts, newest first. */
    public record InstalledPackage(String name, String version, String release, String arch, long buildTime,
                                   List<String> files, List<String> changelog) {
        public InstalledPackage {
            files = List.copyOf(files);
            changelog = List.copyOf(changelog);
        }

        public String nevra() {
            return name + "-" + version + "-" + release + "." + arch;
        }
    }

    /** What a query found, and the packages it skipped and why. */
    public record Query(List<InstalledPackage> packages, List<String> problems) {
    }

    /**
     * The database under {@code root}, if rpm is installed and the root has one: where SUSE keeps it
     * ({@code usr/lib/sysimage/rpm}), where others do ({@code var/lib/rpm}), or, when one of those
     * folders exists but holds no database, where this machine's rpm is configured to look
     * ({@code %_dbpath}: Debian's rpm and zypper use {@code ~/.rpmdb}).
     */
    public static Optional<RpmDatabase> at(Path root) {
        if (!Zypper.onPath("rpm")) {
            return Optional.empty();
        }
        Path realRoot;
        try {
            realRoot = root.toRealPath();
        } catch (IOException e) {
            return Optional.empty();
        }
        for (String candidate : DB_PATHS) {
            Optional<RpmDatabase> db = inside(root, realRoot, candidate, true);
            if (db.isPresent()) {
                return db;
            }
        }
        // a root without either folder has no package manager at all (a simulated host): do not ask rpm
        if (DB_PATHS.stream().noneMatch(d -> Files.isDirectory(root.resolve(d)))) {
            return Optional.empty();
        }
        return configuredDbPath().flatMap(configured -> inside(root, realRoot, configured, false));
    }

    private static Optional<RpmDatabase> inside(Path root, Path realRoot, String relative, boolean mustHoldADatabase) {
        Path db = root.resolve(relative);
        if (!Files.isDirectory(db)) {
            return Optional.empty();
        }
        try {
            Path real = db.toRealPath();
            if (!real.startsWith(realRoot)) {
                return Optional.empty();
            }
            if (mustHoldADatabase && DB_FILES.stream().noneMatch(f -> Files.isRegularFile(real.resolve(f)))) {
                return Optional.empty();
            }
            return Optional.of(new RpmDatabase(root, "/" + realRoot.relativize(real)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> configuredDbPath;

    /** rpm's {@code %_dbpath} (Debian's rpm: {@code ~/.rpmdb}), asked once per process. */
    private static synchronized Optional<String> configuredDbPath() {
        if (configuredDbPath == null) {
            String answer;
            try {
                answer = run(List.of("rpm", "--eval", "%{_dbpath}")).strip();
            } catch (IllegalStateException e) {
                answer = "";
            }
            configuredDbPath = answer.startsWith("/") && !answer.contains("..") && !answer.contains("\n") && answer.length() < 256
                    ? Optional.of(answer.substring(1)) : Optional.empty();
        }
        return configuredDbPath;
    }

    /** The installed packages whose names match {@code glob} (rpm's pattern syntax), such as {@code kernel-livepatch-*}. */
    public Query installed(String glob) {
        return query(List.of("-qa", glob));
    }

    /** The package that owns {@code file} (relative to the root), if one does. */
    public Query owner(String relativeFile) {
        if (relativeFile.startsWith("/") || relativeFile.contains("..")) {
            throw new IllegalArgumentException("not a path inside the root: " + relativeFile);
        }
        return query(List.of("-qf", "/" + relativeFile));
    }

    private Query query(List<String> what) {
        String marker = "@klp-" + HexFormat.of().formatHex(randomBytes()) + "@";
        String format = marker + "P\\n%{NAME}\\n%{VERSION}\\n%{RELEASE}\\n%{ARCH}\\n%{BUILDTIME}\\n"
                + "[" + marker + "F%{FILENAMES}\\n]"
                + "[" + marker + "C%{CHANGELOGTEXT}\\n]" + marker + "E\\n";
        List<String> cmd = new ArrayList<>(List.of("rpm", "--root", root.toAbsolutePath().normalize().toString(), "--dbpath", dbPath,
                "--qf", format));
        cmd.addAll(what);
        String out = run(cmd);
        return parse(out, marker);
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[12];
        new SecureRandom().nextBytes(b);
        return b;
    }

    static Query parse(String out, String marker) {
        List<InstalledPackage> packages = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String block : out.split(Pattern.quote(marker + "P\n"), -1)) {
            int end = block.lastIndexOf(marker + "E\n");
            if (end < 0) {
                continue;
            }
            String body = block.substring(0, end);
            String[] parts = body.split(Pattern.quote(marker), -1);
            String[] head = parts[0].split("\n", -1);
            if (head.length < 5) {
                problems.add("rpm printed a package record klp cannot read; skipped");
                continue;
            }
            String name = head[0];
            String version = head[1];
            String release = head[2];
            String arch = head[3];
            String buildTime = head[4];
            if (!NAME.matcher(name).matches() || !VERSION_OR_RELEASE.matcher(version).matches()
                    || !VERSION_OR_RELEASE.matcher(release).matches() || !ARCH.matcher(arch).matches()
                    || !NUMBER.matcher(buildTime).matches()) {
                problems.add("the rpm database holds a package whose name, version, release or architecture is malformed ('"
                        + shown(name) + "'); skipped");
                continue;
            }
            List<String> files = new ArrayList<>();
            List<String> changelog = new ArrayList<>();
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i];
                String value = p.length() > 1 && p.endsWith("\n") ? p.substring(1, p.length() - 1) : p.substring(Math.min(1, p.length()));
                if (p.startsWith("F")) {
                    if (!value.contains("\n") && value.startsWith("/")) {
                        files.add(value);
                    }
                } else if (p.startsWith("C")) {
                    changelog.add(value);
                }
            }
            packages.add(new InstalledPackage(name, version, release, arch, Long.parseLong(buildTime), files, changelog));
        }
        return new Query(packages, problems);
    }

    private static String shown(String s) {
        String cut = s.length() > 60 ? s.substring(0, 60) + "…" : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    /** Runs rpm, reading at most {@link #MAX_OUTPUT_BYTES}; rpm exits 1 when nothing matches, which is an empty answer. */
    private static String run(List<String> cmd) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readNBytes(MAX_OUTPUT_BYTES + 1);
            }
            if (out.length > MAX_OUTPUT_BYTES) {
                p.destroyForcibly();
                throw new IllegalStateException("rpm printed more than " + MAX_OUTPUT_BYTES / (1024 * 1024) + " MiB for: " + String.join(" ", cmd));
            }
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("rpm did not answer within " + TIMEOUT_SECONDS + " s: " + String.join(" ", cmd));
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run rpm: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while rpm ran", e);
        }
    }
}
