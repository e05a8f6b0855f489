#!/bin/bash
# dracut module: the live patch klp's early-boot plan names for this kernel (the plan and the
# module file) goes into the initrd and is loaded before the real root is mounted, as SUSE's
# kernel-livepatch dracut module does. klp runs dracut when the plan changes.
check() {
    [ -r /var/lib/klp/boot-plan ] || return 255
    return 0
}

depends() {
    return 0
}

install() {
    local kernel patch file module=
    while read -r kernel patch file; do
        [[ "$kernel" == "#"* || -z "$kernel" ]] && continue
        if [[ "$kernel" == "$kernel_version" ]]; then module=$file; break; fi
    done < /var/lib/klp/boot-plan
    [[ -n "$module" && -f "/$module" ]] || return 0
    inst_simple /var/lib/klp/boot-plan
    inst_simple "/$module"
    inst_simple /usr/lib/klp/klp-restore-early
    inst_multiple insmod sed uname cat
    inst_hook pre-udev 10 "$moddir/klp-restore.sh"
}
