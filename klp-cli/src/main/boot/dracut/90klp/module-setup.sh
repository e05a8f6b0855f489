#!/bin/bash
# dracut module: the active live patch (klp's record and module copy) goes into the initrd and is
# loaded before the real root is mounted, as SUSE's kernel-livepatch dracut module does.
check() {
    [ -r /var/lib/klp/state ] || return 255
    return 0
}

depends() {
    return 0
}

install() {
    local kernel module
    kernel=$(sed -n 's/^active.kernel=//p' /var/lib/klp/state | head -n 1)
    module=$(sed -n 's/^active.module=//p' /var/lib/klp/state | head -n 1)
    [[ "$kernel" == "$kernel_version" ]] || return 0
    [[ -f "/$module" ]] || return 0
    inst_simple /var/lib/klp/state
    inst_simple "/$module"
    inst_simple /usr/lib/klp/klp-restore-early
    inst_multiple insmod sed uname
    inst_hook pre-udev 10 "$moddir/klp-restore.sh"
}
