package org.klp.server.export;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Base scores as FIRST's calculator gives them for well-known vectors. */
class CvssV3Test {

    static double score(String vector) {
        return CvssV3.parse(vector).orElseThrow().baseScore();
    }

    @Test
    void baseScoresMatchTheSpecificationsCalculator() {
        assertThat(score("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H")).isEqualTo(7.8);
        assertThat(score("CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H")).isEqualTo(7.0);
        assertThat(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H")).isEqualTo(7.5);
        assertThat(score("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H")).isEqualTo(5.5);
        assertThat(score("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H")).isEqualTo(8.1);
        assertThat(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")).isEqualTo(9.8);
        assertThat(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")).isEqualTo(10.0);
        assertThat(score("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N")).isEqualTo(5.4);
        assertThat(score("CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N")).isEqualTo(5.4);
        assertThat(score("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N")).isEqualTo(0.0);
    }

    @Test
    void severityFollowsTheScoreBands() {
        assertThat(CvssV3.parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").orElseThrow().baseSeverity()).isEqualTo("CRITICAL");
        assertThat(CvssV3.parse("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H").orElseThrow().baseSeverity()).isEqualTo("MEDIUM");
        assertThat(CvssV3.parse("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N").orElseThrow().baseSeverity()).isEqualTo("NONE");
    }

    @Test
    void temporalMetricsAreLeftOutAndIncompleteOrForeignVectorsHaveNoScore() {
        assertThat(CvssV3.parse("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O").orElseThrow().vector())
                .isEqualTo("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H");
        assertThat(CvssV3.parse("CVSS:3.1/AV:L/AC:L")).isEmpty();
        assertThat(CvssV3.parse("CVSS:3.1/AV:X/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H")).isEmpty();
        assertThat(CvssV3.parse("AV:N/AC:L/Au:N/C:C/I:C/A:C")).isEmpty();
        assertThat(CvssV3.parse("")).isEmpty();
    }
}
