package org.klp.cli.operation;

import java.util.Optional;
import org.klp.core.patch.FixChange;

/**
 * What a downgrade is about to do, shown before it is confirmed: from which patch to which, and
 * the fixes dropped ({@code change} is empty when the older version's fixes are not known until
 * its package is installed).
 */
public record DowngradePlan(String from, String to, int targetVersion, Optional<FixChange> change) {
}
