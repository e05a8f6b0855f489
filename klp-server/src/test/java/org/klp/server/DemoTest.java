package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.klp.server.demo.Demo;

/** The README's first command on a small fleet: it converges and hits every interesting case. */
class DemoTest {

    @Test
    void aSmallDemoFleetConvergesThroughBlockedForcedPinnedExpiredAndUnsupportedHosts() throws Exception {
        StringWriter text = new StringWriter();
        Demo.Result r = Demo.run(TestServer.tempDir("demo"), 16, 0, new PrintWriter(text), false);
        String out = text.toString();
        assertThat(r.converged()).as(out).isTrue();
        assertThat(r.rounds().get(2).keySet()).as(out).containsOnly("unchanged", "unavailable");
        assertThat(r.rounds().get(0)).as("round 1: a blocked transition reverted, one forced").containsKeys("reverted", "forced", "updated");
        assertThat(r.rounds().get(1)).as("round 2: the pinned group downgrades").containsKey("downgraded");
        JsonNode s = r.summary();
        assertThat(s.path("systems").asLong()).isEqualTo(16);
        assertThat(s.path("forced").asLong()).isEqualTo(1);
        assertThat(s.path("unsupportedKernel").asLong()).isEqualTo(1);
        assertThat(s.path("expired").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(s.path("safe").asLong() + s.path("fixableByLivePatch").asLong() + s.path("needReboot").asLong() + s.path("noFixYet").asLong()
                + s.path("unknown").asLong()).as("every host that checked in, once").isEqualTo(s.path("checkedIn").asLong());
        assertThat(s.path("needReboot").asLong()).as("the expired kernel's host, at least").isPositive();
        List<String> halted = new ArrayList<>();
        r.rollouts().forEach(x -> {
            if (x.path("status").asText().equals("halted")) {
                halted.add(x.path("reason").asText());
            }
        });
        assertThat(halted).as(out).anySatisfy(reason -> assertThat(reason).contains("reverted apply"));
        JsonNode audit = r.audit();
        assertThat(audit.path("hosts").asInt()).as("every host checked in is audited").isEqualTo(16);
        assertThat(audit.path("hostsAtRisk").asInt()).as(out).isBetween(1, 15);
        assertThat(audit.path("needReboot").asInt()).as("the expired kernel's host, at least").isPositive();
        assertThat(audit.path("fixableByLivePatch").asInt()).as("the pinned group's and the halted rollout's hosts").isPositive();
        assertThat(audit.path("topCves").size()).isPositive();
        assertThat(out).contains("CVE AUDIT").contains("16 hosts audited").containsPattern("[1-9] hosts past its end")
                .containsPattern("CVE-2024-50115 across the fleet: .*LIVE_PATCH_IN_PROGRESS 1");
        assertThat(out).contains("FLEET SUMMARY").contains("converged after 3 rounds").contains("API:").contains("/api/v1/summary")
                .contains("Dashboard:    " + r.url() + "/");
        // Prometheus' view of the same fleet, scraped while the demo's server ran
        assertThat(out).contains("Metrics:      " + r.metricsUrl());
        org.klp.server.metrics.Promtool.check(r.metrics());
        assertThat(r.metrics()).containsPattern("(?m)^klp_checkins_total [1-9]").containsPattern("(?m)^klp_hosts_by_posture_state\\{state=\"expired\"\\} [1-9]")
                .contains("klp_hosts_by_posture_state{state=\"forced\"} 1\n").contains("klp_rollouts_halted 1\n");
    }
}
