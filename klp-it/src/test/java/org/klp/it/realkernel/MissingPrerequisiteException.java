package org.klp.it.realkernel;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The host lacks something the real-kernel tests need. The message names each missing thing and
 * the Debian package that provides it; the harness never installs anything itself.
 */
public final class MissingPrerequisiteException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    MissingPrerequisiteException(List<Prerequisites.Missing> missing) {
        super(message(missing));
    }

    private static String message(List<Prerequisites.Missing> missing) {
        String packages = missing.stream().map(Prerequisites.Missing::debianPackage).distinct()
                .collect(Collectors.joining(" "));
        return "The real-kernel tests need Debian package(s) " + packages + ":\n"
                + missing.stream().map(m -> "  - " + m.what() + " (package " + m.debianPackage() + ")")
                        .collect(Collectors.joining("\n"))
                + "\nInstall them with bin/setup, or: apt-get install --no-install-recommends " + packages;
    }
}
