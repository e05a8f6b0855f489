package org.klp.it.realkernel;

import java.util.List;
import java.util.Map;

/**
 * Package records for the kernel's selftest state modules, as a publisher would ship them: each a
 * cumulative version of one package ({@code test_klp_state} version 2, {@code test_klp_state2}
 * version 3, {@code test_klp_state3} version 4), so that {@code klp downgrade} can go from one to
 * an older one. The fixes are placeholders named after what each module does to the system state
 * (console_loglevel, klp state id 1 at the version the module declares).
 */
final class SelftestRecords {

    /** Module name → package version. */
    private static final Map<String, Integer> VERSIONS = Map.of("test_klp_state", 2, "test_klp_state2", 3, "test_klp_state3", 4);
    private static final List<String> MODULES = List.of("test_klp_state", "test_klp_state2", "test_klp_state3");

    private SelftestRecords() {
    }

    /** {@code /work/records/<module>.json}. */
    static String guestPath(String module) {
        return GuestFolder.MOUNT_POINT + "/records/" + module + ".json";
    }

    static String json(String module, String kernel) {
        int version = VERSIONS.get(module);
        StringBuilder fixes = new StringBuilder();
        for (int i = 0; i <= MODULES.indexOf(module); i++) {
            fixes.append(i == 0 ? "" : ",\n  ").append("""
                    {"id": "selftest#%s", "category": "stability", "summary": "kernel selftest %s: console_loglevel as klp state 1"}"""
                    .formatted(MODULES.get(i).replace('_', '-'), MODULES.get(i)));
        }
        return """
                {"format": 1, "kernel": "%s", "version": %d, "released": "2026-0%d-01", "module": "%s",
                 "moduleFile": "work/selftests/%s.ko",
                 "fixes": [
                  %s]}
                """.formatted(kernel, version, version, module, module, fixes);
    }

    static void writeInto(GuestFolder folder, String kernel) {
        for (String module : MODULES) {
            folder.write("records/" + module + ".json", json(module, kernel));
        }
    }
}
