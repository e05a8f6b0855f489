package org.klp.cli.boot;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.klp.core.boot.CrashedPatch;
import org.klp.core.boot.KernelChoice;

/**
 * What the host remembers for its boots, in {@code var/lib/klp/boot}: the live patch chosen for
 * each kernel release, the patches that crashed a kernel, and what the last boot did.
 */
public record BootRecord(List<KernelChoice> choices, List<CrashedPatch> crashed, Optional<LastBoot> lastBoot) {

    /** At most this many kernels and crashes are kept; the oldest go first. */
    static final int LIMIT = 64;

    public static final BootRecord EMPTY = new BootRecord(List.of(), List.of(), Optional.empty());

    public BootRecord {
        choices = List.copyOf(choices);
        crashed = List.copyOf(crashed);
    }

    /**
     * What the last boot did about live patches: {@code result} is {@code loaded},
     * {@code already-loaded}, {@code skipped}, {@code nothing} or {@code failed}.
     */
    public record LastBoot(String kernel, String bootId, String result, String patch, String message, Instant at) {
    }

    public Optional<KernelChoice> choice(String kernel) {
        return choices.stream().filter(c -> c.kernel().equals(kernel)).findFirst();
    }

    public List<CrashedPatch> crashedOn(String kernel) {
        return crashed.stream().filter(c -> c.kernel().equals(kernel)).toList();
    }

    public BootRecord withChoice(KernelChoice choice) {
        List<KernelChoice> next = new ArrayList<>(choices.stream().filter(c -> !c.kernel().equals(choice.kernel())).toList());
        next.add(choice);
        return new BootRecord(newest(next), crashed, lastBoot);
    }

    public BootRecord withCrash(CrashedPatch crash) {
        List<CrashedPatch> next = new ArrayList<>(crashed.stream()
                .filter(c -> !(c.kernel().equals(crash.kernel()) && c.patch().equals(crash.patch()))).toList());
        next.add(crash);
        return new BootRecord(choices, newest(next), lastBoot);
    }

    /** The administrator applied {@code patch} on {@code kernel} on purpose: boots may load it again. */
    public BootRecord withoutCrash(String kernel, String patch) {
        return new BootRecord(choices, crashed.stream().filter(c -> !(c.kernel().equals(kernel) && c.patch().equals(patch))).toList(), lastBoot);
    }

    public BootRecord withLastBoot(LastBoot boot) {
        return new BootRecord(choices, crashed, Optional.of(boot));
    }

    private static <T> List<T> newest(List<T> all) {
        return all.size() <= LIMIT ? all : all.subList(all.size() - LIMIT, all.size());
    }
}
