package org.klp.core.boot;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Decides what a boot loads for the kernel that booted.
 *
 * <ol>
 *   <li>{@code klp.skip=1} on the kernel command line: nothing, whatever the records say.</li>
 *   <li>The patch the administrator chose for this kernel, while its module is there (for a
 *       package's patch: while the package's file is installed).</li>
 *   <li>Otherwise the newest installed live patch for this kernel.</li>
 *   <li>A patch that crashed this kernel ({@link CrashedPatch}) is never picked: the boot skips it
 *       and says why, rather than fall back to another version nobody chose.</li>
 * </ol>
 */
public final class BootPlan {

    /** The kernel command-line option that skips every klp load at boot. */
    public static final String SKIP_OPTION = "klp.skip";

    private BootPlan() {
    }

    /**
     * @param choice          the administrator's choice for {@code kernel}, if any
     * @param choiceAvailable whether the chosen module (and package file, for a package's patch) is there
     * @param installed       live patches installed for {@code kernel}, in any order
     * @param crashed         patches that crashed {@code kernel}
     * @param loaded          the live patch the kernel runs now, if any
     */
    public record Input(String kernel, boolean skipRequested, Optional<KernelChoice> choice, boolean choiceAvailable,
                        List<BootCandidate> installed, List<CrashedPatch> crashed, Optional<String> loaded) {
        public Input {
            installed = List.copyOf(installed);
            crashed = List.copyOf(crashed);
        }
    }

    public static BootDecision decide(Input in) {
        if (in.skipRequested()) {
            return new BootDecision.Skipped(Optional.empty(), "the kernel command line has " + SKIP_OPTION
                    + "=1: no live patch is loaded at boot");
        }
        Optional<KernelChoice> choice = in.choice().filter(c -> c.kernel().equals(in.kernel()));
        if (choice.filter(KernelChoice::isNone).isPresent()) {
            return new BootDecision.NothingToLoad("live patching was disabled on " + in.kernel() + " at " + choice.get().chosen()
                    + "; 'klp apply' a live patch to choose one");
        }
        BootCandidate picked;
        String why;
        if (choice.isPresent() && in.choiceAvailable()) {
            KernelChoice c = choice.get();
            picked = new BootCandidate(c.patch(), c.version(), c.fromPackage() ? c.packageFile() : c.moduleCopy());
            why = "the live patch last made active on " + in.kernel();
        } else {
            Optional<BootCandidate> newest = in.installed().stream()
                    .max(Comparator.comparingInt(BootCandidate::version).thenComparing(BootCandidate::patch));
            if (newest.isEmpty()) {
                return new BootDecision.NothingToLoad(choice.map(c -> "the chosen " + label(c) + " is no longer installed and no other live patch"
                        + " is installed for " + in.kernel()).orElse("no live patch is chosen or installed for " + in.kernel()));
            }
            picked = newest.get();
            why = choice.map(c -> "the chosen " + label(c) + " is no longer installed; the newest installed live patch for " + in.kernel())
                    .orElse("the newest installed live patch for " + in.kernel());
        }
        Optional<CrashedPatch> crash = in.crashed().stream()
                .filter(c -> c.kernel().equals(in.kernel()) && c.patch().equals(picked.patch())).findFirst();
        if (crash.isPresent()) {
            return new BootDecision.Skipped(Optional.of(picked.patch()), picked.label() + " skipped: " + crash.get().reason()
                    + " (apply it again with 'klp apply' to clear this)");
        }
        if (in.loaded().filter(picked.patch()::equals).isPresent()) {
            return new BootDecision.AlreadyLoaded(picked, why);
        }
        return new BootDecision.Load(picked, why);
    }

    private static String label(KernelChoice c) {
        return c.version() > 0 ? c.patch() + " (version " + c.version() + ")" : c.patch();
    }

    /**
     * Whether {@code cmdline} (the contents of {@code /proc/cmdline}) asks to skip klp loads:
     * {@code klp.skip}, {@code klp.skip=1}, {@code =y} or {@code =yes}; the last occurrence wins, as
     * the kernel's own parameters do.
     */
    public static boolean skipRequested(String cmdline) {
        boolean skip = false;
        for (String word : cmdline.strip().split("\\s+")) {
            if (word.equals(SKIP_OPTION)) {
                skip = true;
            } else if (word.startsWith(SKIP_OPTION + "=")) {
                String v = word.substring(SKIP_OPTION.length() + 1).toLowerCase(java.util.Locale.ROOT);
                skip = v.equals("1") || v.equals("y") || v.equals("yes") || v.equals("true");
            }
        }
        return skip;
    }
}
