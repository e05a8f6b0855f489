/**
 * What a host loads when it boots: the live patch the administrator chose for the kernel that
 * booted, else the newest installed one for it, unless the kernel command line says to skip, or
 * the patch crashed the kernel the last time it was loaded (a loading marker left behind by a
 * boot that never got to clear it).
 */
package org.klp.core.boot;
