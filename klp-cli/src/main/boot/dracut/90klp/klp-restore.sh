#!/bin/sh
# dracut pre-udev hook: load the recorded live patch before the real root is mounted.
[ -x /usr/lib/klp/klp-restore-early ] && /usr/lib/klp/klp-restore-early
