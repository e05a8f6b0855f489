package org.klp.packaging.elf;

/** An ELF file that is not what it must be; the message names the file and the fault. */
public final class ElfFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ElfFormatException(String message) {
        super(message);
    }
}
