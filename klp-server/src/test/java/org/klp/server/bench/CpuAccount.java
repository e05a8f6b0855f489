package org.klp.server.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a bench's CPU time goes, for a server that runs in the bench's own JVM: the process's CPU
 * ({@code OperatingSystemMXBean}) minus the load generator's threads ({@code ThreadMXBean}, per
 * thread) is the server's; PostgreSQL's postmaster and its backends are read from
 * {@code /proc/<pid>/stat} (user + system ticks). A snapshot is taken at the start and at the end of
 * the measured window, while the load threads are still alive.
 */
final class CpuAccount {

    /**
     * CPU nanoseconds at one instant: the whole JVM, the load generator's threads, PostgreSQL's
     * processes (-1 when not measured), and the JVM's threads by kind ({@code /proc/self/task}: the
     * thread's name without its number, so the JIT's and the GC's threads, which Java does not list,
     * are counted too).
     */
    record Snapshot(long processNanos, long loadNanos, long postgresNanos, Map<String, Long> byThreadKind) {
        Snapshot minus(Snapshot before) {
            Map<String, Long> kinds = new TreeMap<>();
            byThreadKind.forEach((k, v) -> kinds.put(k, v - before.byThreadKind.getOrDefault(k, 0L)));
            return new Snapshot(processNanos - before.processNanos, loadNanos - before.loadNanos,
                    postgresNanos < 0 || before.postgresNanos < 0 ? -1 : postgresNanos - before.postgresNanos, kinds);
        }

        long serverNanos() {
            return processNanos - loadNanos;
        }

        /** The JIT compilers' threads (C1 and C2). */
        long compilerNanos() {
            return byThreadKind.entrySet().stream().filter(e -> e.getKey().matches("C[12] CompilerThre.*")).mapToLong(Map.Entry::getValue).sum();
        }

        /** The JIT compilers' share of the server's CPU, 0 to 1 (0 when the server used none). */
        double compilerShare() {
            long server = serverNanos();
            return server <= 0 ? 0 : Math.max(0, (double) compilerNanos() / server);
        }
    }

    private static final long NANOS_PER_TICK = 1_000_000_000L / clockTicks();

    private final com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final long[] loadThreadIds;
    private final long[] endedNanos;
    private final int postgresPort;

    /**
     * {@code postgresPort} 0: no PostgreSQL to account for. {@code endedNanos[i]}: the CPU time load
     * thread i had when it ended (a thread that lost its connection ends early; the process keeps
     * its CPU time, so the load generator's share must keep it too), 0 while it runs.
     */
    CpuAccount(Thread[] loadThreads, long[] endedNanos, int postgresPort) {
        this.endedNanos = endedNanos;
        if (!threads.isThreadCpuTimeSupported()) {
            throw new IllegalStateException("this JVM does not measure CPU time per thread: the server's share cannot be told from the load generator's");
        }
        threads.setThreadCpuTimeEnabled(true);
        this.loadThreadIds = java.util.Arrays.stream(loadThreads).mapToLong(Thread::getId).toArray();
        this.postgresPort = postgresPort;
    }

    Snapshot now() {
        long load = 0;
        for (int i = 0; i < loadThreadIds.length; i++) {
            long t = threads.getThreadCpuTime(loadThreadIds[i]);
            load += t >= 0 ? t : endedNanos[i];
        }
        return new Snapshot(os.getProcessCpuTime(), load, postgresPort == 0 ? -1 : postgresNanos(), threadKinds());
    }

    /** CPU of this JVM's live threads by kind; threads that end take theirs with them (a kind can then go down). */
    private static Map<String, Long> threadKinds() {
        Map<String, Long> kinds = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(t.resolve("stat"), StandardCharsets.US_ASCII);
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    String kind = comm.replaceAll("[-#_ ]?[0-9]+$", "");
                    kinds.merge(kind, (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK, Long::sum);
                } catch (IOException | RuntimeException gone) {
                    // the thread ended while we read it
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        return kinds;
    }

    /** The postmaster listening on the port (its command line says {@code -p <port>}) and its children. */
    private long postgresNanos() {
        List<long[]> stats = new ArrayList<>();
        long postmaster = -1;
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                String name = d.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(d.resolve("stat"), StandardCharsets.US_ASCII);
                    // pid (comm) state ppid ... utime(14) stime(15): comm may hold spaces, so split after its closing parenthesis
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (!comm.startsWith("postgres")) {
                        continue;
                    }
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long pid = Long.parseLong(name);
                    stats.add(new long[] {pid, Long.parseLong(f[1]), Long.parseLong(f[11]) + Long.parseLong(f[12])});
                    String cmdline = Files.readString(d.resolve("cmdline"), StandardCharsets.UTF_8).replace('\0', ' ');
                    if (cmdline.contains("-p " + postgresPort + " ")) {
                        postmaster = pid;
                    }
                } catch (IOException | RuntimeException gone) {
                    // the process ended while we read it
                }
            }
        } catch (IOException e) {
            return -1;
        }
        if (postmaster < 0) {
            return -1;
        }
        long ticks = 0;
        for (long[] s : stats) {
            if (s[0] == postmaster || s[1] == postmaster) {
                ticks += s[2];
            }
        }
        return ticks * NANOS_PER_TICK;
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            p.waitFor();
            return Long.parseLong(out);
        } catch (IOException | RuntimeException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
