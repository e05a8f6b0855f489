package org.klp.kernel.state;

/** A line of {@code /proc/modules}: name, size, reference count, state ({@code Live}, {@code Loading}, {@code Unloading}) and taint letters. */
public record LoadedModule(String name, long size, int refcount, String state, String taint) {
}
