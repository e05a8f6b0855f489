package org.klp.core.patch;

import java.util.List;

/** Version N of a live patch lacks fixes that version N-1 carried. */
public final class NotCumulativeException extends IllegalArgumentException {

    private final List<String> missingFixIds;

    public NotCumulativeException(String packageName, int version, int previousVersion, List<String> missingFixIds) {
        super(packageName + " version " + version + " is not cumulative: it lacks "
                + String.join(", ", missingFixIds) + " carried by version " + previousVersion);
        this.missingFixIds = List.copyOf(missingFixIds);
    }

    public List<String> missingFixIds() {
        return missingFixIds;
    }
}
