package org.klp.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Tests that boot or build against a real kernel take its release from the kernel they use
 * ({@code RealKernelLab.get().kernel()}), never from a literal: Debian moves
 * {@code linux-image-amd64} to a new ABI number every few weeks, and a literal made the suite
 * fail on every machine installed after the day it was written.
 *
 * <p>The families are read off the kernels installed under {@code /boot}, with Debian 12's two
 * families as a floor so the check holds on a machine without kernels too. Test data (captures
 * from a real kernel under {@code src/test/resources}) and the simulated hosts of the other
 * modules' tests, whose releases are names that nothing installs, are not test sources of the
 * real kernel and are not checked.
 */
class GuestKernelReleaseLiteralTest {

    private static final Path PROJECT = Path.of(System.getProperty("klp.testkernel.dir", "../testkernel")).toAbsolutePath()
            .normalize().getParent();

    /** Sources that run against the installed kernel: the real-kernel suite and the modules it builds. */
    private static final List<Path> REAL_KERNEL_SOURCES = List.of(
            PROJECT.resolve("klp-it/src/test/java"), PROJECT.resolve("testkernel"));

    /** This check's own examples of releases, which it needs to test the generalisation. */
    private static final Path THIS_TEST = Path.of("org/klp/it/GuestKernelReleaseLiteralTest.java");

    @Test
    void noRealKernelTestSourceNamesARelease() throws IOException {
        Set<Pattern> families = installedFamilies();
        List<String> offences = new ArrayList<>();
        for (Path root : REAL_KERNEL_SOURCES) {
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(Files::isRegularFile).filter(f -> !f.endsWith(THIS_TEST)).sorted().forEach(f -> offences.addAll(literalsIn(f, families)));
            }
        }
        assertThat(offences)
                .as("literal kernel releases of the installed guest kernel family in real-kernel test sources; take the "
                        + "release from RealKernelLab.get().kernel().release() (GuestKernel) instead")
                .isEmpty();
    }

    @Test
    void aReleaseIsGeneralisedToItsFamily() {
        assertThat(family("6.1.0-57-amd64").matcher("make KVER=6.1.0-56-amd64 O=x").find()).isTrue();
        assertThat(family("6.12.118+deb12-amd64").matcher("\"6.12.57+deb12-amd64\"").find()).isTrue();
        assertThat(family("6.1.0-57-amd64").matcher("6.12.57+deb12-amd64").find()).isFalse();
        assertThat(family("6.1.0-57-amd64").matcher("5.14.21-150500.55.49-default").find()).isFalse();
    }

    private static List<String> literalsIn(Path file, Set<Pattern> families) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            return List.of(); // a binary file: no source
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> found = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            for (Pattern family : families) {
                Matcher m = family.matcher(lines.get(i));
                while (m.find()) {
                    found.add(PROJECT.relativize(file) + ":" + (i + 1) + ": " + m.group());
                }
            }
        }
        return found;
    }

    private static Set<Pattern> installedFamilies() throws IOException {
        Set<String> releases = new LinkedHashSet<>(List.of("6.1.0-1-amd64", "6.12.1+deb12-amd64"));
        Path boot = Path.of("/boot");
        if (Files.isDirectory(boot)) {
            try (Stream<Path> images = Files.list(boot)) {
                images.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("vmlinuz-"))
                        .map(n -> n.substring("vmlinuz-".length())).sorted().forEach(releases::add);
            }
        }
        Set<String> regexes = new LinkedHashSet<>();
        releases.forEach(r -> regexes.add(family(r).pattern()));
        return regexes.stream().map(Pattern::compile).collect(java.util.stream.Collectors.toCollection(LinkedHashSet::new));
    }

    /**
     * A release with every number that follows a '.' or '-' after its major.minor made a wildcard:
     * 6.1.0-57-amd64 stands for 6.1.N-N-amd64, 6.12.118+deb12-amd64 for 6.12.N+deb12-amd64.
     */
    static Pattern family(String release) {
        Matcher majorMinor = Pattern.compile("^\\d+\\.\\d+").matcher(release);
        if (!majorMinor.find()) {
            throw new IllegalArgumentException("not a kernel release: " + release);
        }
        StringBuilder regex = new StringBuilder("(?<![\\w.])").append(Pattern.quote(majorMinor.group()));
        Matcher numbers = Pattern.compile("(?<=[.-])\\d+").matcher(release);
        int at = majorMinor.end();
        while (numbers.find()) {
            if (numbers.start() < at) {
                continue;
            }
            regex.append(Pattern.quote(release.substring(at, numbers.start()))).append("\\d+");
            at = numbers.end();
        }
        return Pattern.compile(regex.append(Pattern.quote(release.substring(at))).append("(?![\\w.])").toString());
    }
}
