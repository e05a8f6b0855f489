package org.klp.core.boot;

import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The version a live patch module's file name carries, as SUSE names them:
 * {@code livepatch-2-2_1.ko} is version 2 (release 2.1) of the kernel's live patch.
 */
public final class ModuleFileVersion {

    private static final Pattern SUSE = Pattern.compile("livepatch-(\\d{1,6})(?:-[0-9A-Za-z_.+]*)?\\.ko");

    private ModuleFileVersion() {
    }

    public static OptionalInt of(String fileName) {
        Matcher m = SUSE.matcher(fileName);
        return m.matches() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }
}
