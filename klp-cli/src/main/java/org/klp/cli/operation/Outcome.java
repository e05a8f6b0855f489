package org.klp.cli.operation;

import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.klp.cli.ExitCode;
import org.klp.core.patch.FixChange;
import org.klp.kernel.apply.ApplyResult;
import org.klp.packaging.record.PatchRecord;

/**
 * How an operation of {@link Operations} ended. Only {@link Changed} touched the kernel (or
 * tried to: its result may be a refusal); the others say why nothing was done, or what would be.
 */
public sealed interface Outcome {

    /**
     * The kernel operation ran: its result, the records of the patch active before and of the
     * target (for the fixes gained and dropped), and the steps on the way (a package installed).
     */
    record Changed(String operation, ApplyResult result, Optional<PatchRecord> before, Optional<PatchRecord> target,
                   List<String> steps) implements Outcome {
        public Changed {
            steps = List.copyOf(steps);
        }

        /** The word scripts and the server see: completed, unchanged, reverted, forced, in_progress or failed. */
        public String kind() {
            ApplyResult r = result;
            if (r instanceof ApplyResult.Completed) {
                return "completed";
            }
            if (r instanceof ApplyResult.AlreadyActive) {
                return "unchanged";
            }
            if (r instanceof ApplyResult.Reverted) {
                return "reverted";
            }
            if (r instanceof ApplyResult.Forced) {
                return "forced";
            }
            if (r instanceof ApplyResult.StillInProgress) {
                return "in_progress";
            }
            return "failed";
        }

        /**
         * The exit code {@code klp --help} documents: 0 done (a reversal the user asked for is done
         * too), 1 a transition left running, 3 refused or reversed.
         */
        public int exitCode() {
            ApplyResult r = result;
            if (r instanceof ApplyResult.Reverted && operation.equals("revert")) {
                return ExitCode.OK;
            }
            if (r instanceof ApplyResult.Completed || r instanceof ApplyResult.AlreadyActive || r instanceof ApplyResult.Forced) {
                return ExitCode.OK;
            }
            if (r instanceof ApplyResult.StillInProgress) {
                return ExitCode.IN_PROGRESS;
            }
            return ExitCode.FAILURE;
        }
    }

    /** {@code klp update}: the newest version (or none) is already active. */
    record UpToDate(String reason, int version, Optional<LocalDate> endOfSupport, String kernel) implements Outcome {
    }

    /** {@code klp update --dry-run}: what would be installed, and the fixes it brings. */
    record WouldUpdate(String packageName, String nevra, int from, int to, FixChange change) implements Outcome {
    }

    /** {@code klp restore}: nothing to load, and why; {@code failure} when the copy to load is missing. */
    record NothingToRestore(String reason, boolean failure) implements Outcome {
    }

    /** {@code klp downgrade}: the administrator did not confirm; nothing changed. */
    record Cancelled(String operation) implements Outcome {
    }
}
