package org.klp.cli.operation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.klp.cli.Host;
import org.klp.cli.repo.Repositories;
import org.klp.cli.repo.Zypper;
import org.klp.core.kernel.KernelRelease;
import org.klp.packaging.client.DownloadedLivePatch;
import org.klp.packaging.record.PatchRecord;

/** Puts a live patch package version on the host: through zypper where zypper manages it, or by klp's own verified download. */
final class PackageInstall {

    private PackageInstall() {
    }

    /** Installs version {@code version} with zypper and returns its module file under the root. */
    static Path withZypper(Steps steps, Host host, Zypper zypper, KernelRelease kernel, String packageName, int version, boolean older) {
        List<String> cmd = zypper.installCommand(packageName, version, older);
        steps.progress("running " + String.join(" ", cmd));
        Zypper.Result r = zypper.run(cmd);
        if (r.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + r.exitCode() + "): " + lastLines(r.output()));
        }
        steps.done("installed with: " + String.join(" ", cmd));
        host.forgetPatchRecords();
        PatchRecord record = host.patchRecords().version(kernel.uname(), version).orElseThrow(() -> new IllegalStateException(
                "zypper installed " + packageName + "=" + version + " but neither the rpm database nor a klp record (usr/share/klp/patches)"
                        + " shows a live patch module of that version"));
        Path module = host.root().resolve(record.moduleFile());
        if (!Files.isRegularFile(module)) {
            throw new IllegalStateException("zypper installed " + packageName + "=" + version + " but its module " + module + " is missing");
        }
        return module;
    }

    /** Installs the offered version (zypper where it manages the package) and returns its module file under the root. */
    static Path obtain(Steps steps, Host host, Repositories repositories, Repositories.Offer offer, boolean older) {
        Optional<Zypper> zypper = Zypper.managing(host.root().path(), offer.patch().name());
        if (zypper.isPresent()) {
            return withZypper(steps, host, zypper.get(), offer.patch().kernel(), offer.patch().name(), offer.patch().patchVersion(), older);
        }
        DownloadedLivePatch.Extracted x = repositories.install(offer, steps::progress);
        host.forgetPatchRecords();
        return x.module();
    }

    private static String lastLines(String output) {
        List<String> lines = output.strip().lines().toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }
}
