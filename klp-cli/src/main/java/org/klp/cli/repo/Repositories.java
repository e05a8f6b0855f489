package org.klp.cli.repo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.klp.cli.UsageException;
import org.klp.core.kernel.KernelRelease;
import org.klp.packaging.client.AvailableLivePatch;
import org.klp.packaging.client.DownloadedLivePatch;
import org.klp.packaging.client.LivePatchRepository;
import org.klp.packaging.pgp.TrustedKeys;

/**
 * The live patch repositories a host reads and the keys it trusts: given on the command line
 * ({@code --repo URL}, {@code --trusted FILE}), or configured under the root in
 * {@code etc/klp/repositories} (one URL a line; {@code klp register} writes it) and
 * {@code etc/klp/trusted.asc}. Every repository is opened with its signature checked.
 */
public final class Repositories {

    public static final String CONFIG = "etc/klp/repositories";
    public static final String TRUSTED_KEYS = "etc/klp/trusted.asc";
    public static final String CACHE = "var/cache/klp/packages";

    private final Path root;
    private final List<LivePatchRepository> opened;

    private Repositories(Path root, List<LivePatchRepository> opened) {
        this.root = root;
        this.opened = opened;
    }

    /** Opens the repositories: those given, or else those configured. */
    public static Repositories open(Path root, List<String> given, Optional<Path> trusted, Consumer<String> progress) {
        List<String> locations = given.isEmpty() ? configured(root) : given;
        if (locations.isEmpty()) {
            throw new UsageException("no live patch repository: give one with --repo URL, or register the host (klp register) so "
                    + CONFIG + " names one");
        }
        Path keyFile = trusted.orElse(root.resolve(TRUSTED_KEYS));
        if (!Files.isRegularFile(keyFile)) {
            throw new UsageException("no trusted repository key at " + keyFile + ": give one with --trusted FILE (klp never reads an unsigned repository)");
        }
        TrustedKeys keys = TrustedKeys.read(keyFile);
        List<LivePatchRepository> opened = new ArrayList<>();
        for (String location : locations) {
            progress.accept("reading " + location);
            opened.add(LivePatchRepository.open(location, keys));
        }
        return new Repositories(root, opened);
    }

    /** The repositories {@code etc/klp/repositories} names (none when the file is missing). */
    public static List<String> configuredLocations(Path root) {
        return configured(root);
    }

    static List<String> configured(Path root) {
        Path file = root.resolve(CONFIG);
        try {
            List<String> out = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String l = line.strip();
                if (!l.isEmpty() && !l.startsWith("#")) {
                    out.add(l);
                }
            }
            return out;
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public List<String> locations() {
        return opened.stream().map(LivePatchRepository::location).toList();
    }

    /** Every version of the kernel's live patch the repositories offer, oldest first (the first repository wins a tie). */
    public List<Offer> forKernel(KernelRelease kernel) {
        List<Offer> out = new ArrayList<>();
        for (LivePatchRepository r : opened) {
            for (AvailableLivePatch p : r.forKernel(kernel)) {
                if (out.stream().noneMatch(o -> o.patch().patchVersion() == p.patchVersion())) {
                    out.add(new Offer(r, p));
                }
            }
        }
        out.sort(Comparator.comparingInt(o -> o.patch().patchVersion()));
        return out;
    }

    public Optional<Offer> newest(KernelRelease kernel) {
        List<Offer> all = forKernel(kernel);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    public Optional<Offer> version(KernelRelease kernel, int n) {
        return forKernel(kernel).stream().filter(o -> o.patch().patchVersion() == n).findFirst();
    }

    /** End of live patch support for a kernel, from the repositories' lifecycle data. */
    public Optional<java.time.LocalDate> endOfSupport(KernelRelease kernel) {
        return opened.stream().map(r -> r.endOfSupport(kernel)).flatMap(Optional::stream).findFirst();
    }

    /** One version of a live patch and the repository offering it. */
    public record Offer(LivePatchRepository repository, AvailableLivePatch patch) {
    }

    /** Downloads the package (verified, into the cache) and installs its module and record under the root. */
    public DownloadedLivePatch.Extracted install(Offer offer, Consumer<String> progress) {
        progress.accept("downloading " + offer.patch().fileName() + " from " + offer.repository().location());
        org.klp.kernel.files.AtomicFileWriter writer = org.klp.kernel.files.AtomicFileWriter.under(root);
        // the cache folder is made (and checked) here: a link leading out of the root is refused before anything is downloaded
        DownloadedLivePatch d = offer.repository().download(offer.patch(), writer.directory(root.resolve(CACHE)));
        progress.accept("installing " + offer.patch().nevra() + " (signature and digests verified)");
        return d.extractTo(root, writer::write);
    }
}
