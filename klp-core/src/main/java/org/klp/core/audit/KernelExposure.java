package org.klp.core.audit;

/** How a kernel release stands towards one CVE, before any live patch is considered. */
public enum KernelExposure {
    /** The release never contained the flaw. */
    NOT_AFFECTED,
    /** The release is of an affected stream, at or after its first fixed release. */
    FIXED,
    /** The release contains the flaw. */
    AFFECTED
}
