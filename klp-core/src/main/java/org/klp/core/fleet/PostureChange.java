package org.klp.core.fleet;

import java.util.Objects;

/**
 * One thing that changed between two check-ins of a host ({@link PostureDiff}); each becomes an
 * entry of the host's history, and the rollout rule reads them back. {@link #kind()} is the
 * history entry's kind, {@link #version()} the live patch version it concerns.
 */
public sealed interface PostureChange permits PostureChange.FirstCheckin, PostureChange.KernelChanged, PostureChange.LivePatchChanged,
        PostureChange.ApplyEnded, PostureChange.NewTaint {

    String kind();

    int version();

    String message();

    record FirstCheckin(String kernel, int version) implements PostureChange {
        @Override
        public String kind() {
            return "first-checkin";
        }

        @Override
        public String message() {
            return "first check-in: kernel " + kernel + ", live patch version " + version;
        }
    }

    /** The host rebooted into another kernel (or reports a different one). */
    record KernelChanged(String from, String to, int version) implements PostureChange {
        @Override
        public String kind() {
            return "kernel";
        }

        @Override
        public String message() {
            return "now runs kernel " + to + " (was " + from + ")";
        }
    }

    /** The loaded version, its transition or whether it was forced changed, on the same kernel. */
    record LivePatchChanged(int from, int to, String transition, boolean forced) implements PostureChange {
        @Override
        public String kind() {
            return "posture";
        }

        @Override
        public int version() {
            return to;
        }

        @Override
        public String message() {
            return "live patch version " + from + " → " + to + ", transition " + transition + (forced ? ", forced" : "");
        }
    }

    /**
     * The host tool's last change ended since the previous check-in: how, and why. A completed
     * {@code revert} is a reversed apply of the version it reverted, a completed {@code force} a
     * forced one: so their kinds say.
     */
    record ApplyEnded(HostPosture.ApplyReport report) implements PostureChange {
        public ApplyEnded {
            Objects.requireNonNull(report, "report");
        }

        @Override
        public String kind() {
            boolean completed = report.result().equals("completed");
            if (report.operation().equals("revert") && completed) {
                return "apply-reverted";
            }
            if (report.operation().equals("force") && completed) {
                return "apply-forced";
            }
            return "apply-" + report.result();
        }

        @Override
        public int version() {
            return report.targetVersion();
        }

        @Override
        public String message() {
            return report.operation() + " to version " + report.targetVersion() + ": " + report.result()
                    + (report.message().isEmpty() ? "" : " (" + report.message() + ")");
        }
    }

    /** Taint flags that were not set at the previous check-in of the same kernel, and that no live patch sets. */
    record NewTaint(long flags, long taint, int version) implements PostureChange {
        @Override
        public String kind() {
            return "taint";
        }

        @Override
        public String message() {
            return "new taint flags " + TaintFlags.describe(flags) + " (now 0x" + Long.toHexString(taint) + ")";
        }
    }
}
