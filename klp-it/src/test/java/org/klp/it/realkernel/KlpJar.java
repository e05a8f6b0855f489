package org.klp.it.realkernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * The klp jar the guest runs with {@code java -jar}: klp-cli's {@code target/klp.jar}, the
 * self-contained jar the build ships, when it is newer than every class of klp it holds. A reactor
 * run that stops before klp-cli's package phase ({@code mvn -pl klp-it -am test}) leaves it
 * missing or stale; then the same jar is assembled from the test class path: klp's four modules,
 * picocli and jackson-core, under klp's Main-Class. Either way the guest runs today's klp.
 *
 * @param jar    the jar on the host
 * @param origin where it came from, for test logs
 */
record KlpJar(Path jar, String origin) {

    /** A class of each part of the jar: klp's modules first, then its run-time dependencies. */
    private static final List<Class<?>> KLP_PARTS = List.of(org.klp.cli.Klp.class, org.klp.kernel.LivepatchReader.class,
            org.klp.core.kernel.KernelRelease.class, org.klp.packaging.record.PatchRecordJson.class);
    private static final List<Class<?>> LIBRARIES = List.of(picocli.CommandLine.class, com.fasterxml.jackson.core.JsonFactory.class);
    private static final String MAIN_CLASS = "org.klp.cli.Main";

    /** klp-cli's jar if it is fresh, else one assembled into {@code workDir}. */
    static KlpJar find(Path built, Path workDir) {
        FileTime newestClass = KLP_PARTS.stream().map(KlpJar::codeSource).map(KlpJar::newest)
                .max(FileTime::compareTo).orElseThrow();
        try {
            if (Files.isRegularFile(built) && Files.getLastModifiedTime(built).compareTo(newestClass) >= 0) {
                return new KlpJar(built, built.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path assembled = assemble(workDir.resolve("klp-assembled.jar"));
        return new KlpJar(assembled, "assembled from the test class path (" + built
                + (Files.exists(built) ? " is older than klp's classes" : " does not exist") + ")");
    }

    private static Path assemble(Path jar) {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, MAIN_CLASS);
        manifest.getMainAttributes().put(new Attributes.Name("Multi-Release"), "true");
        try {
            Files.createDirectories(jar.getParent());
            Path partial = jar.resolveSibling(jar.getFileName() + ".part");
            Set<String> names = new HashSet<>();
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(partial), manifest)) {
                names.add("META-INF/MANIFEST.MF");
                for (Class<?> part : Stream.concat(KLP_PARTS.stream(), LIBRARIES.stream()).toList()) {
                    Path source = codeSource(part);
                    if (Files.isDirectory(source)) {
                        copyDirectory(source, out, names);
                    } else {
                        copyJar(source, out, names);
                    }
                }
            }
            return Files.move(partial, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot assemble " + jar, e);
        }
    }

    private static void copyDirectory(Path dir, JarOutputStream out, Set<String> names) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
                String name = dir.relativize(file).toString().replace('\\', '/');
                if (wanted(name) && names.add(name)) {
                    out.putNextEntry(new JarEntry(name));
                    Files.copy(file, out);
                    out.closeEntry();
                }
            }
        }
    }

    private static void copyJar(Path source, JarOutputStream out, Set<String> names) throws IOException {
        try (InputStream file = Files.newInputStream(source); JarInputStream in = new JarInputStream(file)) {
            for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                if (!e.isDirectory() && wanted(e.getName()) && names.add(e.getName())) {
                    out.putNextEntry(new JarEntry(e.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
    }

    /** Everything but manifests, signatures and module descriptors, as klp-cli's shade configuration. */
    private static boolean wanted(String name) {
        String upper = name.toUpperCase(java.util.Locale.ROOT);
        return !upper.equals("META-INF/MANIFEST.MF") && !name.endsWith("module-info.class")
                && !(upper.startsWith("META-INF/") && (upper.endsWith(".SF") || upper.endsWith(".DSA") || upper.endsWith(".RSA")));
    }

    private static Path codeSource(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("Cannot tell where " + c.getName() + " is loaded from", e);
        }
    }

    private static FileTime newest(Path source) {
        try {
            if (!Files.isDirectory(source)) {
                return Files.getLastModifiedTime(source);
            }
            try (Stream<Path> walk = Files.walk(source)) {
                return walk.filter(Files::isRegularFile).map(p -> {
                    try {
                        return Files.getLastModifiedTime(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }).max(FileTime::compareTo).orElse(FileTime.fromMillis(0));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
