package org.klp.core.module;

/** A file that should be a kernel module is not one, or is damaged. */
public final class ModuleFormatException extends IllegalArgumentException {

    public ModuleFormatException(String message) {
        super(message);
    }
}
