package org.klp.server.export;

/** The version exports name as their generator: the jar's, or the project's when run from classes. */
final class ExportVersion {

    private ExportVersion() {
    }

    static String get() {
        String v = ExportVersion.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0" : v;
    }
}
