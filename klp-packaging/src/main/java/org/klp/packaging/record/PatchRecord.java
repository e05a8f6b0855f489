package org.klp.packaging.record;

import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.klp.core.patch.LivePatchPackage;
import org.klp.core.patch.SystemState;

/**
 * What a host knows of one installed live patch package: the package (kernel, version N, fixes,
 * functions), the name of its kernel module (which is also the patch's name in
 * {@code /sys/kernel/livepatch}), and the module file's path relative to the root directory.
 *
 * <p>Every live patch RPM ships its record as {@code /usr/share/klp/patches/<package>-<N>.json}
 * next to the module in {@code /lib/modules/<kernel>/livepatch/}; {@code klp} reads it to tell
 * which package owns a loaded patch and which CVEs it fixes. {@code rpm} is the package's full
 * {@code name-version-release.arch} when a package manager installed it, empty otherwise.
 *
 * <p>{@code kernelReleased} is the release date of the kernel the patch is for, from which its
 * end of support follows ({@link org.klp.core.lifecycle.SupportPolicy}); null when unknown
 * (records written before klp-pack stored it).
 *
 * <p>{@code systemStates} are the klp system states ({@code struct klp_state}) of the module,
 * which decide whether the kernel accepts replacing it; empty when not known (a record written
 * before klp-pack recorded them, or a module whose states could not be read).
 */
public record PatchRecord(LivePatchPackage livePatch, String moduleName, String moduleFile, String rpm, LocalDate kernelReleased,
                          Optional<List<SystemState>> systemStates) {

    /** Module names as the kernel keeps them: letters, digits and underscores. */
    private static final Pattern MODULE_NAME = Pattern.compile("[A-Za-z0-9_]{1,55}");

    public PatchRecord {
        Objects.requireNonNull(livePatch, "livePatch");
        if (moduleName == null || !MODULE_NAME.matcher(moduleName).matches()) {
            throw new IllegalArgumentException("Not a module name: '" + moduleName + "' (expected letters, digits and underscores)");
        }
        moduleFile = moduleFile == null ? "" : moduleFile;
        if (moduleFile.startsWith("/") || moduleFile.contains("..")) {
            throw new IllegalArgumentException("Module path must be relative to the root and stay inside it: '" + moduleFile + "'");
        }
        rpm = rpm == null ? "" : rpm;
        systemStates = systemStates == null ? Optional.empty() : systemStates.map(SystemState::merge);
    }

    /** A record whose module's system states are not known (written before klp-pack recorded them). */
    public PatchRecord(LivePatchPackage livePatch, String moduleName, String moduleFile, String rpm, LocalDate kernelReleased) {
        this(livePatch, moduleName, moduleFile, rpm, kernelReleased, Optional.empty());
    }

    /** The module's system states; empty when it declares none or when they are not known ({@link #systemStates()}). */
    public List<SystemState> states() {
        return systemStates.orElse(List.of());
    }

    /** This record with its module's system states. */
    public PatchRecord withStates(List<SystemState> states) {
        return new PatchRecord(livePatch, moduleName, moduleFile, rpm, kernelReleased, Optional.of(states));
    }

    /** A record without a known kernel release date. */
    public PatchRecord(LivePatchPackage livePatch, String moduleName, String moduleFile, String rpm) {
        this(livePatch, moduleName, moduleFile, rpm, null);
    }

    public Optional<LocalDate> kernelReleaseDate() {
        return Optional.ofNullable(kernelReleased);
    }

    /** This record with the package's {@code name-version-release.arch}. */
    public PatchRecord withRpm(String nevra) {
        return new PatchRecord(livePatch, moduleName, moduleFile, nevra, kernelReleased, systemStates);
    }

    /** Where the record of a package version lives, relative to the root: {@code usr/share/klp/patches/<name>-<N>.json}. */
    public static String recordPath(LivePatchPackage p) {
        return "usr/share/klp/patches/" + p.nameVersion() + ".json";
    }

    /** Where the module of a package version lives, relative to the root. */
    public static String modulePath(LivePatchPackage p, String moduleName) {
        return "lib/modules/" + p.kernel().uname() + "/livepatch/" + moduleName + ".ko";
    }
}
