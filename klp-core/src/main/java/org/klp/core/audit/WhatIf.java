package org.klp.core.audit;

/**
 * A change of one group's live patch policy, to be tried without applying it. Each scenario
 * says what posture class its hosts would reach once they reconcile; hosts whose check-in is
 * overdue would not reconcile and stay as they are.
 */
public sealed interface WhatIf {

    int group();

    /**
     * The class a host of {@code current} reaches under the scenario, {@code latest} being the
     * newest live patch version published for its kernel (0 when none).
     */
    PostureClass apply(PostureClass current, int latest);

    /**
     * The group follows the {@code latest} policy: no pin, and hosts load the newest published
     * version (transition complete). Hosts on a kernel without live patches, or already on the
     * newest version, keep their posture.
     */
    record UpdateToLatest(int group) implements WhatIf {
        @Override
        public PostureClass apply(PostureClass current, int latest) {
            Posture p = current.posture();
            Posture next = latest == 0 || latest == p.loadedVersion() ? p : Posture.loaded(p.kernel(), latest);
            return new PostureClass(next, PostureClass.NOT_PINNED);
        }
    }

    /**
     * The group is pinned {@code versionsBehind} versions below the newest of each kernel (1 is
     * "N-1", the usual fleet-wide downgrade), never below the initial patch; hosts load the pinned
     * version. Hosts on a kernel without live patches keep their posture and pin.
     */
    record PinBehindLatest(int group, int versionsBehind) implements WhatIf {
        public PinBehindLatest {
            if (versionsBehind < 0) {
                throw new IllegalArgumentException("A pin is 0 or more versions behind the latest, not " + versionsBehind);
            }
        }

        @Override
        public PostureClass apply(PostureClass current, int latest) {
            if (latest == 0) {
                return current;
            }
            int pin = Math.max(org.klp.core.patch.LivePatchPackage.INITIAL_VERSION, latest - versionsBehind);
            Posture p = current.posture();
            Posture next = pin == p.loadedVersion() ? p : Posture.loaded(p.kernel(), pin);
            return new PostureClass(next, pin);
        }
    }
}
