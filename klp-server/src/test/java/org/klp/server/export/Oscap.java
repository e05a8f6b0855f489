package org.klp.server.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OpenSCAP's {@code oscap} (Debian's openscap-scanner) on klp's OVAL: schema validation, and
 * evaluation on a host's root folder ({@code OSCAP_PROBE_ROOT}), which its rpminfo and textfilecontent
 * probes read instead of this machine. Debian's rpm keeps its database under {@code ~/.rpmdb} by a
 * macro that runs bash, which does not exist inside a host folder; the evaluation gets a home with
 * {@code %_dbpath /var/lib/rpm}, where SUSE's and the tests' hosts keep it.
 */
public final class Oscap {

    private static final Pattern RESULT = Pattern.compile("^Definition (oval:[^:]+:def:\\d+): (\\w+)$", Pattern.MULTILINE);

    private Oscap() {
    }

    public static void requireInstalled() {
        Tools.require("oscap", "openscap-scanner");
    }

    /** Validates against the OVAL 5.11 schemas and OpenSCAP's schematron rules; fails the test with oscap's words otherwise. */
    public static void validate(Path oval) {
        requireInstalled();
        Tools.Run schema = Tools.run(Map.of(), "oscap", "oval", "validate", oval.toString());
        assertThat(schema.code()).as("oscap oval validate: " + schema.output()).isZero();
        Tools.Run schematron = Tools.run(Map.of(), "oscap", "oval", "validate", "--schematron", oval.toString());
        assertThat(schematron.code()).as("oscap oval validate --schematron: " + schematron.output()).isZero();
    }

    /** Every definition's result on the host whose root is {@code root}: true (vulnerable) or false. */
    public static Map<String, Boolean> evaluate(Path oval, Path root, Path scratch) {
        requireInstalled();
        try {
            Path home = Files.createDirectories(scratch.resolve("oscap-home"));
            Files.writeString(home.resolve(".rpmmacros"), "%_dbpath /var/lib/rpm\n");
            Tools.Run r = Tools.run(Map.of("OSCAP_PROBE_ROOT", root.toString(), "HOME", home.toString()), "oscap", "oval", "eval",
                    "--results", scratch.resolve("oscap-results.xml").toString(), oval.toString());
            assertThat(r.code()).as("oscap oval eval: " + r.output()).isZero();
            Map<String, Boolean> out = new TreeMap<>();
            Matcher m = RESULT.matcher(r.output());
            while (m.find()) {
                assertThat(m.group(2)).as(m.group(1) + " on " + root + ": " + r.output()).isIn("true", "false");
                out.put(m.group(1), m.group(2).equals("true"));
            }
            return out;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Tools the export tests run: found on the PATH, or the test fails naming the Debian package (bin/setup installs them). */
    public static final class Tools {

        public record Run(int code, String output) {
        }

        public static void require(String tool, String debianPackage) {
            for (String dir : System.getenv("PATH").split(":")) {
                if (Files.isExecutable(Path.of(dir, tool))) {
                    return;
                }
            }
            throw new AssertionError(tool + " is missing: install the Debian package " + debianPackage + " (bin/setup does)");
        }

        public static Run run(Map<String, String> env, String... cmd) {
            return run(env, null, cmd);
        }

        public static Run run(Map<String, String> env, Path dir, String... cmd) {
            try {
                ProcessBuilder pb = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true);
                pb.environment().putAll(env);
                if (dir != null) {
                    pb.directory(dir.toFile());
                }
                Process p = pb.start();
                p.getOutputStream().close();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(600, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError(String.join(" ", cmd) + " did not finish in 10 minutes");
                }
                return new Run(p.exitValue(), out);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** Runs and requires exit code 0. */
        public static String ok(String... cmd) {
            Run r = run(Map.of(), cmd);
            assertThat(r.code()).as(String.join(" ", cmd) + "\n" + r.output()).isZero();
            return r.output();
        }
    }
}
