package org.klp.packaging.rpm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.eclipse.packager.rpm.RpmTag;
import org.eclipse.packager.rpm.RpmVersion;
import org.eclipse.packager.rpm.build.BuilderContext;
import org.eclipse.packager.rpm.build.BuilderOptions;
import org.eclipse.packager.rpm.build.DigestAlgorithm;
import org.eclipse.packager.rpm.build.FileInformation;
import org.eclipse.packager.rpm.build.FileInformationProvider;
import org.eclipse.packager.rpm.build.RpmBuilder;
import org.eclipse.packager.rpm.build.RpmFileNameProvider;
import org.eclipse.packager.rpm.coding.PayloadCoding;
import org.eclipse.packager.rpm.deps.RpmDependencyFlags;
import org.klp.packaging.pgp.SigningKey;

/**
 * Writes one binary RPM with Eclipse Packager, the way klp wants every package it makes:
 * standard file name {@code name-version-release.arch.rpm} (Eclipse Packager's default is the
 * legacy {@code name-version-release-arch.rpm}), SHA-256 file digests (its default is MD5), a
 * gzip payload (which the host reads with the JDK alone), files owned by root, the changelog,
 * and an RSA/SHA-256 header signature when a key is given.
 *
 * <p>The package is written to a temporary file in the output folder, synced and renamed into
 * place: a crash leaves no half-written {@code .rpm} that a repository publish would pick up.
 */
public final class PackageWriter {

    /**
     * A dependency: a name (or an rpm rich dependency in parentheses, such as
     * {@code (kernel-uname-r = 6.1.0-1-amd64 and kernel-livepatch-tools)}), and an optional
     * relation to a version.
     */
    public record Dependency(String name, Relation relation, String version) {
        public Dependency {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(relation, "relation");
            if (name.isBlank() || name.chars().anyMatch(c -> c < 0x20)) {
                throw new IllegalArgumentException("Not a dependency name: '" + name + "'");
            }
            if (relation == Relation.ANY ? version != null : version == null || version.isBlank() || version.contains(" ")) {
                throw new IllegalArgumentException("Dependency " + name + " " + relation + " needs " + (relation == Relation.ANY
                        ? "no version" : "a version without spaces") + ", got '" + version + "'");
            }
        }

        public static Dependency of(String name) {
            return new Dependency(name, Relation.ANY, null);
        }

        public static Dependency equal(String name, String version) {
            return new Dependency(name, Relation.EQUAL, version);
        }

        public static Dependency atLeast(String name, String version) {
            return new Dependency(name, Relation.AT_LEAST, version);
        }

        /** An rpm rich (boolean) dependency; the package then requires rpm's support for them. */
        public static Dependency rich(String expression) {
            if (!expression.startsWith("(") || !expression.endsWith(")")) {
                throw new IllegalArgumentException("A rich dependency is written in parentheses, e.g. '(a and b)', not '" + expression + "'");
            }
            return of(expression);
        }

        boolean isRich() {
            return name.startsWith("(");
        }
    }

    /** How a dependency's version relates to the one it names. */
    public enum Relation {
        ANY, EQUAL, AT_LEAST, AT_MOST
    }

    private record FileSpec(String path, byte[] data, int mode, String linkTo, boolean directory) {
    }

    private final String name;
    private final String version;
    private final String release;
    private final String arch;
    private String summary = "";
    private String description = "";
    private String license = "GPL-2.0-only";
    private String group = "System/Kernel";
    private String vendor = "klp";
    private String url = null;
    private Instant buildTime = Instant.now();
    private final List<FileSpec> files = new ArrayList<>();
    private final List<Dependency> provides = new ArrayList<>();
    private final List<Dependency> requires = new ArrayList<>();
    private final List<Dependency> recommends = new ArrayList<>();
    private final List<Dependency> supplements = new ArrayList<>();
    private final List<Dependency> conflicts = new ArrayList<>();
    private String postScript;
    private String preUninstallScript;
    private String postUninstallScript;
    private Changelog changelog = new Changelog(List.of());

    public PackageWriter(String name, String version, String release, String arch) {
        this.name = name;
        this.version = version;
        this.release = release;
        this.arch = arch;
    }

    public PackageWriter summary(String text) {
        summary = text;
        return this;
    }

    public PackageWriter description(String text) {
        description = text;
        return this;
    }

    public PackageWriter license(String text) {
        license = text;
        return this;
    }

    public PackageWriter group(String text) {
        group = text;
        return this;
    }

    public PackageWriter url(String text) {
        url = text;
        return this;
    }

    public PackageWriter buildTime(Instant time) {
        buildTime = time;
        return this;
    }

    public PackageWriter file(String path, byte[] data, int mode) {
        files.add(new FileSpec(path, data.clone(), mode, null, false));
        return this;
    }

    public PackageWriter directory(String path) {
        files.add(new FileSpec(path, null, 0755, null, true));
        return this;
    }

    public PackageWriter symlink(String path, String target) {
        files.add(new FileSpec(path, null, 0777, target, false));
        return this;
    }

    public PackageWriter provides(Dependency d) {
        provides.add(d);
        return this;
    }

    public PackageWriter requires(Dependency d) {
        requires.add(d);
        return this;
    }

    public PackageWriter recommends(Dependency d) {
        recommends.add(d);
        return this;
    }

    /** A reverse weak dependency: the solver selects this package when what {@code d} names is installed. */
    public PackageWriter supplements(Dependency d) {
        supplements.add(d);
        return this;
    }

    public PackageWriter conflicts(Dependency d) {
        conflicts.add(d);
        return this;
    }

    /** A {@code %preun} scriptlet run by {@code /bin/sh} ({@code $1}: the number of versions left, 0 on erase). */
    public PackageWriter preUninstallScript(String script) {
        preUninstallScript = script;
        return this;
    }

    /** A {@code %postun} scriptlet run by {@code /bin/sh} ({@code $1}: the number of versions left, 0 on erase). */
    public PackageWriter postUninstallScript(String script) {
        postUninstallScript = script;
        return this;
    }

    /** A {@code %post} scriptlet run by {@code /bin/sh}.  */
    public PackageWriter postScript(String script) {
        postScript = script;
        return this;
    }

    public PackageWriter changelog(Changelog log) {
        changelog = log;
        return this;
    }

    /** {@code name-version-release.arch.rpm}. */
    public String fileName() {
        return name + "-" + version + "-" + release + "." + arch + ".rpm";
    }

    /**
     * Builds the package into {@code outputDir}, replacing a file of the same name atomically.
     *
     * @param key signs the header when not null
     * @return the written file
     */
    public Path write(Path outputDir, SigningKey key) {
        Path target = outputDir.resolve(fileName());
        Path temp = null;
        try {
            Files.createDirectories(outputDir);
            temp = Files.createTempFile(outputDir, "." + fileName() + ".", ".tmp");
            BuilderOptions options = new BuilderOptions();
            options.setFileNameProvider(RpmFileNameProvider.DEFAULT_FILENAME_PROVIDER);
            options.setFileDigestAlgorithm(DigestAlgorithm.SHA256);
            options.setPayloadCoding(PayloadCoding.GZIP);
            try (RpmBuilder builder = new RpmBuilder(name, new RpmVersion(null, version, release), arch, temp, options)) {
                RpmBuilder.PackageInformation info = builder.getInformation();
                info.setSummary(summary);
                info.setDescription(description);
                info.setLicense(license);
                info.setGroup(group);
                info.setVendor(vendor);
                info.setUrl(url);
                info.setBuildHost("klp-pack");
                info.setSourcePackage(name + "-" + version + "-" + release + ".src.rpm");
                addFiles(builder.newContext());
                for (Dependency d : provides) {
                    builder.addProvides(d.name(), d.version() == null ? "" : d.version(), flags(d));
                }
                for (Dependency d : requires) {
                    builder.addRequirement(d.name(), d.version() == null ? "" : d.version(), flags(d));
                }
                for (Dependency d : recommends) {
                    builder.addRecommends(d.name(), d.version() == null ? "" : d.version(), flags(d));
                }
                for (Dependency d : supplements) {
                    builder.addSupplements(d.name(), d.version() == null ? "" : d.version(), flags(d));
                }
                for (Dependency d : conflicts) {
                    builder.addConflicts(d.name(), d.version() == null ? "" : d.version(), flags(d));
                }
                if (usesRichDependencies()) {
                    // what rpmbuild adds: an rpm older than 4.12 must refuse the package rather than misread it
                    builder.addRequirement("rpmlib(RichDependencies)", "4.12.0-1", RpmDependencyFlags.LESS, RpmDependencyFlags.EQUAL,
                            RpmDependencyFlags.RPMLIB);
                }
                if (postScript != null) {
                    builder.setPostInstallationScript(postScript);
                }
                if (preUninstallScript != null) {
                    builder.setPreRemoveScript(preUninstallScript);
                }
                if (postUninstallScript != null) {
                    builder.setPostRemoveScript(postUninstallScript);
                }
                builder.setHeaderCustomizer(header -> {
                    header.putInt(RpmTag.BUILDTIME, (int) buildTime.getEpochSecond());
                    List<Changelog.Entry> entries = changelog.entries();
                    if (!entries.isEmpty()) {
                        header.putInt(RpmTag.CHANGELOG_TIMESTAMP, entries.stream().mapToInt(e -> (int) e.time()).toArray());
                        header.putStringArray(RpmTag.CHANGELOG_AUTHOR, entries.stream().map(Changelog.Entry::author).toArray(String[]::new));
                        header.putStringArray(RpmTag.CHANGELOG_TEXT, entries.stream().map(Changelog.Entry::text).toArray(String[]::new));
                    }
                });
                if (key != null) {
                    builder.addSignatureProcessor(new HeaderSignatureProcessor(key));
                }
                builder.build();
            }
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            temp.toFile().setReadable(true, false); // temporary files start 0600; packages are public
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // best effort: the temporary name starts with a dot and ends in .tmp; publish skips it
                }
            }
        }
    }

    private boolean usesRichDependencies() {
        return java.util.stream.Stream.of(provides, requires, recommends, supplements, conflicts).flatMap(List::stream).anyMatch(Dependency::isRich);
    }

    private static RpmDependencyFlags[] flags(Dependency d) {
        return switch (d.relation()) {
            case ANY -> new RpmDependencyFlags[0];
            case EQUAL -> new RpmDependencyFlags[] {RpmDependencyFlags.EQUAL};
            case AT_LEAST -> new RpmDependencyFlags[] {RpmDependencyFlags.GREATER, RpmDependencyFlags.EQUAL};
            case AT_MOST -> new RpmDependencyFlags[] {RpmDependencyFlags.LESS, RpmDependencyFlags.EQUAL};
        };
    }

    private void addFiles(BuilderContext ctx) throws IOException {
        Instant mtime = buildTime;
        for (FileSpec f : files) {
            FileInformationProvider<Object> info = (target, object, type) -> {
                FileInformation fi = new FileInformation();
                fi.setMode((short) f.mode());
                fi.setTimestamp(mtime);
                fi.setUser(BuilderContext.DEFAULT_USER);
                fi.setGroup(BuilderContext.DEFAULT_GROUP);
                return fi;
            };
            if (f.directory()) {
                ctx.addDirectory(f.path(), info);
            } else if (f.linkTo() != null) {
                ctx.addSymbolicLink(f.path(), f.linkTo(), info);
            } else {
                ctx.addFile(f.path(), ByteBuffer.wrap(f.data()), info);
            }
        }
    }
}
