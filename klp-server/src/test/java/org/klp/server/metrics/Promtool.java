package org.klp.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.klp.server.export.Oscap;

/** Prometheus' own linter (Debian's prometheus package): {@code promtool check metrics} reads a scrape on standard input. */
public final class Promtool {

    private Promtool() {
    }

    /** Fails with promtool's words unless it accepts the scrape without a problem. */
    public static void check(String scrape) {
        Oscap.Tools.require("promtool", "prometheus");
        try {
            Process p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(scrape.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("promtool check metrics: " + out).isZero();
            assertThat(out.strip()).as("promtool's findings").isEmpty();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
