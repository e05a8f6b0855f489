package org.klp.cli.repo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.klp.packaging.xml.SafeXml;

/**
 * What zypper's repositories offer, read offline from the metadata zypper keeps under the root:
 * the enabled repositories of {@code etc/zypp/repos.d/*.repo} and, for each, the rpm-md it
 * downloaded to {@code var/cache/zypp/raw/<alias>/repodata} at its last refresh ({@code repomd.xml},
 * then the primary it names, plain or gzip). This is what {@code zypper search -s} lists without a
 * refresh; klp needs neither zypper nor the network to read it.
 *
 * <p>The files are untrusted: aliases must be plain names, every path must stay inside the root
 * (no symlink out), the XML parser refuses entities and DTDs, and at most {@link #MAX_PRIMARY_BYTES}
 * of primary are read per repository. A repository whose cache is missing, compressed in a way klp
 * cannot read (zstd) or malformed is reported and skipped.
 */
public final class ZyppRepositoryCache {

    static final long MAX_PRIMARY_BYTES = 256L * 1024 * 1024;
    private static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:+-]{0,99}");
    private static final Pattern HREF = Pattern.compile("repodata/[A-Za-z0-9._-]{1,200}");

    /** One package version a repository offers. */
    public record Offer(String repository, String name, String version, String release, String arch) {
        public String nevra() {
            return name + "-" + version + "-" + release + "." + arch;
        }

        /** The version as a live patch version, or -1 when it is not a whole number. */
        public int livePatchVersion() {
            try {
                return Integer.parseInt(version);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }

    /** The offers found and the repositories skipped, with why. */
    public record Found(List<Offer> offers, List<String> problems) {
    }

    private ZyppRepositoryCache() {
    }

    /** Every version of {@code packageName} the enabled repositories' cached metadata lists, by version then repository. */
    public static Found offers(Path root, String packageName) {
        List<Offer> offers = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Path realRoot;
        try {
            realRoot = root.toRealPath();
        } catch (IOException e) {
            return new Found(offers, problems);
        }
        for (String alias : enabledAliases(root, realRoot, problems)) {
            Path repodata = root.resolve("var/cache/zypp/raw").resolve(alias).resolve("repodata");
            try {
                Optional<Path> repomd = inside(realRoot, repodata.resolve("repomd.xml"));
                if (repomd.isEmpty()) {
                    continue;
                }
                String href = primaryHref(repomd.get(), alias);
                if (href.endsWith(".zst")) {
                    problems.add("zypper repository " + alias + ": its primary metadata is zstd-compressed, which klp cannot read; run zypper se -s");
                    continue;
                }
                Optional<Path> primary = inside(realRoot, repodata.getParent().resolve(href));
                if (primary.isEmpty()) {
                    problems.add("zypper repository " + alias + ": " + href + " is not in zypper's cache; run zypper refresh");
                    continue;
                }
                readPrimary(primary.get(), alias, packageName, offers);
            } catch (IOException | XMLStreamException | RuntimeException e) {
                problems.add("zypper repository " + alias + ": cannot read its cached metadata (" + e.getMessage() + ")");
            }
        }
        offers.sort(Comparator.comparingInt(Offer::livePatchVersion).thenComparing(Offer::repository));
        return new Found(offers, problems);
    }

    /** Aliases of the enabled repositories: one {@code [alias]} section a file, {@code enabled=1} unless it says 0. */
    static List<String> enabledAliases(Path root, Path realRoot, List<String> problems) {
        List<String> aliases = new ArrayList<>();
        Path dir = root.resolve("etc/zypp/repos.d");
        if (!Files.isDirectory(dir)) {
            return aliases;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.repo")) {
            for (Path f : s) {
                Optional<Path> file = inside(realRoot, f);
                if (file.isEmpty() || Files.size(file.get()) > 1024 * 1024) {
                    continue;
                }
                String alias = null;
                boolean enabled = true;
                for (String raw : Files.readAllLines(file.get(), StandardCharsets.UTF_8)) {
                    String line = raw.strip();
                    if (line.startsWith("[") && line.endsWith("]")) {
                        addIfEnabled(aliases, alias, enabled, problems);
                        alias = line.substring(1, line.length() - 1).strip();
                        enabled = true;
                    } else if (line.replace(" ", "").equalsIgnoreCase("enabled=0")) {
                        enabled = false;
                    }
                }
                addIfEnabled(aliases, alias, enabled, problems);
            }
        } catch (IOException e) {
            problems.add("cannot read " + dir + ": " + e.getMessage());
        }
        aliases.sort(String::compareTo);
        return aliases;
    }

    private static void addIfEnabled(List<String> aliases, String alias, boolean enabled, List<String> problems) {
        if (alias == null || !enabled) {
            return;
        }
        if (!ALIAS.matcher(alias).matches() || alias.contains("..")) {
            problems.add("a zypper repository alias klp does not accept: '" + alias.replaceAll("\\p{Cntrl}", "?") + "'; skipped");
            return;
        }
        aliases.add(alias);
    }

    /** The file, if it exists and its real path stays inside the root. */
    private static Optional<Path> inside(Path realRoot, Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Path real = file.toRealPath();
        return real.startsWith(realRoot) ? Optional.of(real) : Optional.empty();
    }

    private static String primaryHref(Path repomd, String alias) throws IOException, XMLStreamException {
        if (Files.size(repomd) > 1024 * 1024) {
            throw new IllegalStateException("repomd.xml is larger than 1 MiB");
        }
        try (InputStream in = Files.newInputStream(repomd)) {
            XMLStreamReader r = SafeXml.reader(in, alias + " repomd.xml");
            boolean inPrimary = false;
            while (r.hasNext()) {
                if (r.next() == XMLStreamConstants.START_ELEMENT) {
                    String el = r.getLocalName();
                    if (el.equals("data")) {
                        inPrimary = "primary".equals(r.getAttributeValue(null, "type"));
                    } else if (el.equals("location") && inPrimary) {
                        String href = r.getAttributeValue(null, "href");
                        if (href == null || !HREF.matcher(href).matches()) {
                            throw new IllegalStateException("repomd.xml names primary at '" + href + "', outside repodata/");
                        }
                        return href;
                    }
                }
            }
        }
        throw new IllegalStateException("repomd.xml names no primary metadata");
    }

    private static void readPrimary(Path primary, String alias, String packageName, List<Offer> offers) throws IOException, XMLStreamException {
        try (InputStream raw = Files.newInputStream(primary);
             InputStream bounded = new BoundedInputStream(primary.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw, MAX_PRIMARY_BYTES)) {
            XMLStreamReader r = SafeXml.reader(bounded, alias + " primary.xml");
            String name = null;
            String arch = null;
            String ver = null;
            String rel = null;
            int depth = 0;
            while (r.hasNext()) {
                int e = r.next();
                if (e == XMLStreamConstants.START_ELEMENT) {
                    depth++;
                    String el = r.getLocalName();
                    if (depth == 2 && el.equals("package")) {
                        name = arch = ver = rel = null;
                    } else if (depth == 3) {
                        switch (el) {
                            case "name" -> {
                                name = r.getElementText().strip();
                                depth--;
                            }
                            case "arch" -> {
                                arch = r.getElementText().strip();
                                depth--;
                            }
                            case "version" -> {
                                ver = r.getAttributeValue(null, "ver");
                                rel = r.getAttributeValue(null, "rel");
                            }
                            default -> {
                                // summary, description, format, …
                            }
                        }
                    }
                } else if (e == XMLStreamConstants.END_ELEMENT) {
                    if (depth == 2 && r.getLocalName().equals("package") && packageName.equals(name) && ver != null && rel != null
                            && !"src".equals(arch)) {
                        offers.add(new Offer(alias, name, ver, rel, arch == null ? "noarch" : arch));
                    }
                    depth--;
                }
            }
        }
    }

    /** Stops a decompression bomb: reading past the limit is an error, not a slow machine. */
    private static final class BoundedInputStream extends java.io.FilterInputStream {
        private long left;

        BoundedInputStream(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                throw new IOException("more than " + MAX_PRIMARY_BYTES / 1024 / 1024 + " MiB of primary metadata");
            }
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (left <= 0) {
                throw new IOException("more than " + MAX_PRIMARY_BYTES / 1024 / 1024 + " MiB of primary metadata");
            }
            int n = super.read(buf, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
