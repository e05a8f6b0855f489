package org.klp.core.audit;

import java.util.ArrayList;
import java.util.List;

/** A posture class with hosts: its key, its kernel, its verdict code per CVE ordinal, and its slices. */
final class ClassState {

    final PostureClass key;
    final KernelState kernel;
    byte[] codes;
    final List<Slice> slices = new ArrayList<>(2);

    ClassState(PostureClass key, KernelState kernel, byte[] codes) {
        this.key = key;
        this.kernel = kernel;
        this.codes = codes;
    }
}
