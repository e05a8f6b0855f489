package org.klp.server.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The BSI CSAF validator ({@code @secvisogram/csaf-validator-lib}, the version pinned with its
 * dependencies in {@code src/test/csaf/package-lock.json}), installed with {@code npm ci} into
 * {@code target/csaf-validator} on first use (the npm registry must be reachable once per clean
 * build), run by {@code src/test/csaf/validate.mjs}: the strict schema, every mandatory and every
 * optional test. A document passes when no test fails or warns.
 */
public final class CsafValidator {

    private static final Path SOURCE = Path.of("src/test/csaf");
    private static final Path HOME = Path.of("target/csaf-validator");
    private static boolean installed;

    private CsafValidator() {
    }

    private static synchronized Path install() {
        if (installed) {
            return HOME;
        }
        Oscap.Tools.require("node", "nodejs");
        Oscap.Tools.require("npm", "npm");
        try {
            Files.createDirectories(HOME);
            boolean fresh = Files.isDirectory(HOME.resolve("node_modules/@secvisogram/csaf-validator-lib"))
                    && Files.exists(HOME.resolve("package-lock.json"))
                    && Files.mismatch(HOME.resolve("package-lock.json"), SOURCE.resolve("package-lock.json")) == -1;
            for (String f : List.of("package.json", "package-lock.json", "validate.mjs")) {
                Files.copy(SOURCE.resolve(f), HOME.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
            if (!fresh) {
                Oscap.Tools.Run r = Oscap.Tools.run(Map.of(), HOME, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts");
                assertThat(r.code()).as("npm ci of the CSAF validator in " + HOME.toAbsolutePath() + " (the npm registry must be reachable): "
                        + r.output()).isZero();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        installed = true;
        return HOME;
    }

    /** The validator's report: {@code {"tests": [names], "files": {FILE: {"isValid", "problems": [{test, errors, warnings}]}}}}. */
    public static JsonNode validate(List<Path> documents) {
        Path home = install();
        List<String> cmd = new ArrayList<>(List.of("node", "validate.mjs"));
        documents.forEach(d -> cmd.add(d.toAbsolutePath().toString()));
        Oscap.Tools.Run r = Oscap.Tools.run(Map.of(), home, cmd.toArray(String[]::new));
        assertThat(r.code()).as("node validate.mjs: " + r.output()).isZero();
        try {
            return new ObjectMapper().readTree(r.output());
        } catch (IOException e) {
            throw new AssertionError("the validator printed no JSON: " + r.output(), e);
        }
    }

    /** Fails naming every test that failed or warned on any document. */
    public static void assertPasses(List<Path> documents) {
        assertThat(documents).isNotEmpty();
        JsonNode report = validate(documents);
        assertThat(report.path("tests").size()).as("schema, mandatory and optional tests ran").isGreaterThan(50);
        List<String> problems = new ArrayList<>();
        report.path("files").fields().forEachRemaining(f -> {
            if (!f.getValue().path("isValid").asBoolean()) {
                problems.add(f.getKey() + ": invalid");
            }
            f.getValue().path("problems").forEach(p -> problems.add(Path.of(f.getKey()).getFileName() + " " + p.path("test").asText() + " "
                    + p.path("errors") + " " + p.path("warnings")));
        });
        assertThat(problems).isEmpty();
        assertThat(report.path("files").size()).isEqualTo(documents.size());
    }
}
