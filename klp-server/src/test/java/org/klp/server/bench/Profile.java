package org.klp.server.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JDK Flight Recorder recording of CPU samples over a bench's measured window, summarised for
 * the threads that matter (the server's, not the load generator's): the methods most often on top
 * of the stack (self), and the project's methods most often anywhere on it (total).
 */
final class Profile implements AutoCloseable {

    private final Recording recording = new Recording();
    private final Path file;

    Profile(Path file) throws IOException {
        this.file = file;
        recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10)).withStackTrace();
        recording.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(20)).withStackTrace();
        // JDBI's statement event is on by default: 30,000 events with stack traces in a window would be the profiler's cost billed to the server
        recording.disable("jdbi.statement");
        recording.setToDisk(true);
        recording.setDestination(file);
    }

    void start() {
        recording.start();
    }

    void stop() throws IOException {
        recording.stop();
    }

    /** Prints the top {@code n} frames of the samples whose thread {@code counts}. */
    void print(int n, Predicate<String> counts) throws IOException {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> total = new HashMap<>();
        int samples = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            String thread = e.getThread("sampledThread") == null ? "" : e.getThread("sampledThread").getJavaName();
            RecordedStackTrace st = e.getStackTrace();
            if (thread == null || !counts.test(thread) || st == null || st.getFrames().isEmpty()) {
                continue;
            }
            samples++;
            List<RecordedFrame> frames = st.getFrames();
            self.merge(name(frames.get(0)), 1, Integer::sum);
            Set<String> once = new HashSet<>();
            for (RecordedFrame f : frames) {
                String m = name(f);
                if (m.startsWith("org.klp.") && once.add(m)) {
                    total.merge(m, 1, Integer::sum);
                }
            }
        }
        System.out.printf(Locale.ROOT, "where the server's CPU goes (JFR, %,d samples of server threads in Java code; %s):%n", samples, file);
        print("self (top of stack)", self, samples, n);
        print("total (klp methods anywhere on the stack)", total, samples, n);
    }

    private static void print(String title, Map<String, Integer> counts, int samples, int n) {
        System.out.println("  " + title + ":");
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(n)
                .forEach(e -> System.out.printf(Locale.ROOT, "    %5.1f%%  %s%n", 100.0 * e.getValue() / Math.max(1, samples), e.getKey()));
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    @Override
    public void close() {
        recording.close();
    }
}
