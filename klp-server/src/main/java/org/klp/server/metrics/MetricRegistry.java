package org.klp.server.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The server's metrics and their Prometheus text exposition (format 0.0.4): counters and
 * histograms updated as things happen, gauges read when scraped.
 *
 * <h2>Cardinality</h2>
 * Labels carry closed sets only (a route of the route list, a verdict, a state), never a host, a
 * group or a CVE, so the number of series does not grow with the fleet. As a guard against a
 * mistake, each family keeps at most {@link #MAX_SERIES} label combinations; later ones are counted
 * under the labels {@code other}.
 *
 * <p>Thread-safe: updates are lock-free adders; a scrape reads them as they are (a histogram's
 * buckets, sum and count may be a few observations apart, as Prometheus tolerates).
 */
public final class MetricRegistry {

    static final int MAX_SERIES = 1_000;
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private final List<Family> families = new CopyOnWriteArrayList<>();

    /** A sample of a gauge: its label values (in the family's label order) and value. */
    public record Sample(List<String> labels, double value) {
        public Sample {
            labels = List.copyOf(labels);
        }

        public static Sample of(double value, String... labels) {
            return new Sample(List.of(labels), value);
        }
    }

    private abstract static sealed class Family permits Counter, Histogram, Gauge {
        final String name;
        final String help;
        final List<String> labelNames;

        Family(String name, String help, String... labelNames) {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("Not a metric name: '" + name + "'");
            }
            for (String l : labelNames) {
                if (!LABEL.matcher(l).matches() || l.startsWith("__") || l.equals("le")) {
                    throw new IllegalArgumentException("Not a label name for " + name + ": '" + l + "'");
                }
            }
            this.name = name;
            this.help = Objects.requireNonNull(help, "help");
            this.labelNames = List.of(labelNames);
        }

        abstract String type();

        abstract void write(StringBuilder out);

        /** The series key of these label values, or the overflow key once the family is full. */
        List<String> key(Map<List<String>, ?> series, String... values) {
            if (values.length != labelNames.size()) {
                throw new IllegalArgumentException(name + " has labels " + labelNames + ", given " + Arrays.toString(values));
            }
            List<String> key = List.of(values);
            if (series.containsKey(key) || series.size() < MAX_SERIES) {
                return key;
            }
            return Collections.nCopies(values.length, "other");
        }
    }

    /** A counter, by label values. */
    public static final class Counter extends Family {
        private final Map<List<String>, DoubleAdder> series = new ConcurrentHashMap<>();

        Counter(String name, String help, String... labelNames) {
            super(name, help, labelNames);
            if (!name.endsWith("_total")) {
                throw new IllegalArgumentException("A counter's name ends with _total: " + name);
            }
            if (labelNames.length == 0) {
                series.put(List.of(), new DoubleAdder());
            }
        }

        public void inc(String... labelValues) {
            add(1, labelValues);
        }

        public void add(double amount, String... labelValues) {
            if (amount < 0) {
                throw new IllegalArgumentException("A counter only goes up; " + name + " was given " + amount);
            }
            series.computeIfAbsent(key(series, labelValues), k -> new DoubleAdder()).add(amount);
        }

        /** The current value of one series (for tests and the demo). */
        public double value(String... labelValues) {
            DoubleAdder a = series.get(List.of(labelValues));
            return a == null ? 0 : a.sum();
        }

        @Override
        String type() {
            return "counter";
        }

        @Override
        void write(StringBuilder out) {
            series.forEach((labels, v) -> sample(out, name, labelNames, labels, v.sum()));
        }
    }

    /** A histogram with fixed buckets (upper bounds, seconds for durations), by label values. */
    public static final class Histogram extends Family {
        private final double[] bounds;
        private final Map<List<String>, Buckets> series = new ConcurrentHashMap<>();

        private static final class Buckets {
            final LongAdder[] counts;
            final DoubleAdder sum = new DoubleAdder();
            final LongAdder count = new LongAdder();

            Buckets(int n) {
                counts = new LongAdder[n];
                for (int i = 0; i < n; i++) {
                    counts[i] = new LongAdder();
                }
            }
        }

        Histogram(String name, String help, double[] bounds, String... labelNames) {
            super(name, help, labelNames);
            this.bounds = bounds.clone();
            for (int i = 1; i < bounds.length; i++) {
                if (bounds[i] <= bounds[i - 1]) {
                    throw new IllegalArgumentException("Buckets of " + name + " must increase: " + Arrays.toString(bounds));
                }
            }
        }

        public void observe(double value, String... labelValues) {
            Buckets b = series.computeIfAbsent(key(series, labelValues), k -> new Buckets(bounds.length));
            for (int i = 0; i < bounds.length; i++) {
                if (value <= bounds[i]) {
                    b.counts[i].increment();
                    break;
                }
            }
            b.sum.add(value);
            b.count.increment();
        }

        /** Observations of one series so far (for tests). */
        public long count(String... labelValues) {
            Buckets b = series.get(List.of(labelValues));
            return b == null ? 0 : b.count.sum();
        }

        @Override
        String type() {
            return "histogram";
        }

        @Override
        void write(StringBuilder out) {
            List<String> withLe = new ArrayList<>(labelNames);
            withLe.add("le");
            series.forEach((labels, b) -> {
                long cumulative = 0;
                List<String> values = new ArrayList<>(labels);
                values.add("");
                for (int i = 0; i < bounds.length; i++) {
                    cumulative += b.counts[i].sum();
                    values.set(values.size() - 1, number(bounds[i]));
                    sample(out, name + "_bucket", withLe, values, cumulative);
                }
                long count = b.count.sum();
                values.set(values.size() - 1, "+Inf");
                sample(out, name + "_bucket", withLe, values, Math.max(count, cumulative));
                sample(out, name + "_sum", labelNames, labels, b.sum.sum());
                sample(out, name + "_count", labelNames, labels, Math.max(count, cumulative));
            });
        }
    }

    /** A gauge whose samples are read at each scrape. */
    public static final class Gauge extends Family {
        private final Supplier<List<Sample>> samples;

        Gauge(String name, String help, Supplier<List<Sample>> samples, String... labelNames) {
            super(name, help, labelNames);
            this.samples = samples;
        }

        @Override
        String type() {
            return "gauge";
        }

        @Override
        void write(StringBuilder out) {
            List<Sample> list = samples.get();
            if (list.size() > MAX_SERIES) {
                list = list.subList(0, MAX_SERIES);
            }
            for (Sample s : list) {
                if (s.labels().size() != labelNames.size()) {
                    throw new IllegalStateException(name + " has labels " + labelNames + ", a sample has " + s.labels());
                }
                sample(out, name, labelNames, s.labels(), s.value());
            }
        }
    }

    public Counter counter(String name, String help, String... labelNames) {
        return register(new Counter(name, help, labelNames));
    }

    public Histogram histogram(String name, String help, double[] buckets, String... labelNames) {
        return register(new Histogram(name, help, buckets, labelNames));
    }

    /** A gauge read at each scrape; a supplier that fails leaves the gauge out of that scrape. */
    public Gauge gauge(String name, String help, Supplier<List<Sample>> samples, String... labelNames) {
        return register(new Gauge(name, help, samples, labelNames));
    }

    private <F extends Family> F register(F f) {
        for (Family other : families) {
            if (other.name.equals(f.name)) {
                throw new IllegalArgumentException("Metric " + f.name + " is registered twice");
            }
        }
        families.add(f);
        return f;
    }

    /** Every family in the text exposition format, in registration order. */
    public String scrape() {
        StringBuilder out = new StringBuilder(16 * 1024);
        for (Family f : families) {
            StringBuilder body = new StringBuilder();
            try {
                f.write(body);
            } catch (RuntimeException e) {
                // a gauge that cannot be read now (the audit still loading, the database away) is left out of this scrape
                continue;
            }
            out.append("# HELP ").append(f.name).append(' ').append(f.help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
            out.append("# TYPE ").append(f.name).append(' ').append(f.type()).append('\n');
            out.append(body);
        }
        return out.toString();
    }

    private static void sample(StringBuilder out, String name, List<String> labelNames, List<String> values, double value) {
        out.append(name);
        if (!labelNames.isEmpty()) {
            out.append('{');
            for (int i = 0; i < labelNames.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(labelNames.get(i)).append("=\"").append(escape(values.get(i))).append('"');
            }
            out.append('}');
        }
        out.append(' ').append(number(value)).append('\n');
    }

    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%s", v);
    }
}
