package org.klp.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.klp.server.metrics.MetricRegistry.Sample;

/** The text exposition format, one rule per test; promtool has the last word. */
class MetricRegistryTest {

    @Test
    void aCounterIsWrittenWithHelpTypeAndItsSeries() {
        MetricRegistry r = new MetricRegistry();
        MetricRegistry.Counter c = r.counter("klp_things_total", "Things.", "kind");
        c.inc("a");
        c.add(2, "a");
        assertThat(r.scrape()).isEqualTo("# HELP klp_things_total Things.\n# TYPE klp_things_total counter\nklp_things_total{kind=\"a\"} 3\n");
        Promtool.check(r.scrape());
    }

    @Test
    void aHistogramsBucketsAreCumulativeAndEndWithInfinity() {
        MetricRegistry r = new MetricRegistry();
        MetricRegistry.Histogram h = r.histogram("klp_wait_seconds", "Waits.", new double[] {0.1, 1});
        h.observe(0.05);
        h.observe(0.5);
        h.observe(5);
        assertThat(r.scrape()).contains("klp_wait_seconds_bucket{le=\"0.1\"} 1\n").contains("klp_wait_seconds_bucket{le=\"1\"} 2\n")
                .contains("klp_wait_seconds_bucket{le=\"+Inf\"} 3\n").contains("klp_wait_seconds_sum 5.55\n").contains("klp_wait_seconds_count 3\n");
        Promtool.check(r.scrape());
    }

    @Test
    void labelValuesAreEscaped() {
        MetricRegistry r = new MetricRegistry();
        r.counter("klp_odd_total", "Odd.", "v").inc("a\"b\\c\nd");
        assertThat(r.scrape()).contains("klp_odd_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
        Promtool.check(r.scrape());
    }

    @Test
    void aFamilyKeepsABoundedNumberOfSeriesAndCountsTheRestAsOther() {
        MetricRegistry r = new MetricRegistry();
        MetricRegistry.Counter c = r.counter("klp_many_total", "Many.", "id");
        for (int i = 0; i < MetricRegistry.MAX_SERIES + 500; i++) {
            c.inc("host-" + i);
        }
        assertThat(r.scrape().lines().filter(l -> l.startsWith("klp_many_total{")).count()).isEqualTo(MetricRegistry.MAX_SERIES + 1);
        assertThat(c.value("other")).isEqualTo(500);
    }

    @Test
    void aGaugeThatCannotBeReadIsLeftOutOfThatScrape() {
        MetricRegistry r = new MetricRegistry();
        r.gauge("klp_broken", "Broken.", () -> {
            throw new IllegalStateException("database away");
        });
        r.gauge("klp_fine", "Fine.", () -> List.of(Sample.of(1.5)));
        assertThat(r.scrape()).doesNotContain("klp_broken").contains("klp_fine 1.5\n");
    }

    @Test
    void namesThatPrometheusWouldRefuseAreRefusedAtRegistration() {
        MetricRegistry r = new MetricRegistry();
        assertThatThrownBy(() -> r.counter("klp-things_total", "x")).hasMessageContaining("Not a metric name");
        assertThatThrownBy(() -> r.counter("klp_things", "x")).hasMessageContaining("ends with _total");
        assertThatThrownBy(() -> r.histogram("klp_h_seconds", "x", new double[] {1}, "le")).hasMessageContaining("Not a label name");
        r.counter("klp_once_total", "x");
        assertThatThrownBy(() -> r.counter("klp_once_total", "x")).hasMessageContaining("registered twice");
    }
}
