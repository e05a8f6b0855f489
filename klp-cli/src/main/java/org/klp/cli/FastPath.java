package org.klp.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.klp.cli.record.HostRecordStore;
import org.klp.kernel.HostRoot;
import org.klp.kernel.LivepatchReader;
import org.klp.kernel.sim.SimulatedKernel;

/**
 * {@code klp status} and {@code klp check} (and {@code klp check --json}) answered from the
 * kernel's files without picocli: scripts and monitoring run them every few seconds, and most of a
 * picocli start is spent reflecting over annotated classes, which the full path cannot avoid.
 *
 * <p>The rule that keeps the two paths the same: the fast path only reads the files the commands'
 * {@link LivepatchReader} reads, held to the same rules ({@link TransitionFiles}), and it answers
 * only when the full path would have nothing to do but read. It declines, and {@link Klp} runs as before, on any argument it does not know
 * (help, other options, {@code status -v} and {@code status --json}, which name packages), on any
 * error (the full path words it), on a simulated kernel with a transition to settle, and on a host
 * record that the full path settles first (an operation left pending with no transition running, a
 * reboot since one was advised) or that is not a well-formed record of this format. Declining costs
 * nothing but the time: nothing has been written.
 */
public final class FastPath {

    /** What the full path would print on standard output and exit with; standard error stays empty. */
    public record Answer(String output, int exitCode) {
    }

    private static final String RECORD = HostRecordStore.DIR + "/state";

    private FastPath() {
    }

    /** The answer for these arguments, or empty when the full path must run. */
    public static Optional<Answer> answer(String[] args) {
        try {
            Request request = Request.parse(args);
            if (request == null || !Files.isDirectory(request.root)) {
                return Optional.empty();
            }
            HostRoot root = HostRoot.of(request.root);
            if (SimulatedKernel.isSimulated(root) && !SimulatedKernel.isSettled(root)) {
                return Optional.empty();
            }
            return request.command.equals("check") ? check(root, request.json) : status(root);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<Answer> check(HostRoot root, boolean json) {
        Optional<Boolean> transition = TransitionFiles.inTransition(root.path());
        if (transition.isEmpty()) {
            return Optional.empty();
        }
        boolean busy = transition.get();
        String state = busy ? "in_progress" : "ready";
        String output = json ? "{\n  \"state\" : \"" + state + "\",\n  \"ready\" : " + !busy + "\n}\n" : "";
        return Optional.of(new Answer(output, busy ? ExitCode.IN_PROGRESS : ExitCode.OK));
    }

    private static Optional<Answer> status(HostRoot root) {
        Map<String, String> record = quietRecord(root.resolve(RECORD));
        Optional<Boolean> transition = TransitionFiles.inTransition(root.path());
        if (record == null || transition.isEmpty() || needsSettling(record, TransitionFiles.bootId(root.path()), transition.get())) {
            return Optional.empty();
        }
        return Optional.of(new Answer((transition.get() ? "in_progress" : "ready") + System.lineSeparator(), ExitCode.OK));
    }

    /**
     * The host record's entries when it is absent (none) or a well-formed record of format 1 whose
     * values need no unescaping; null otherwise. Read as lines, without parsing its timestamps.
     */
    static Map<String, String> quietRecord(Path record) {
        List<String> lines;
        try {
            lines = Files.readAllLines(record, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Map.of();
        } catch (IOException | RuntimeException e) {
            return null;
        }
        Map<String, String> entries = new HashMap<>();
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0 || line.indexOf('\\') >= 0) {
                return null;
            }
            entries.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return "1".equals(entries.get("format")) ? entries : null;
    }

    /**
     * What the full path settles before it answers (see {@code OperationRunner.settleRecord}): a
     * reboot since a reboot was advised or modules were held, or an operation's record left pending
     * while no transition runs.
     */
    static boolean needsSettling(Map<String, String> record, Optional<String> bootId, boolean inTransition) {
        boolean advised = record.containsKey("reboot.reason") || !record.getOrDefault("held", "").isBlank();
        String advisedIn = record.get("reboot.boot");
        boolean rebooted = advised && advisedIn != null && bootId.isPresent() && !advisedIn.equals(bootId.get());
        return rebooted || (record.containsKey("pending.operation") && !inTransition);
    }

    /** The arguments the fast path understands: global options anywhere, one command word. */
    private record Request(Path root, String command, boolean json) {

        /** Null unless the arguments are exactly {@code [--root DIR] status|check [-v…] [--json]} in any order, each at most once. */
        static Request parse(String[] args) {
            String root = null;
            String command = null;
            boolean json = false;
            boolean verbose = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--root") || a.startsWith("--root=")) {
                    String value = a.equals("--root") ? (i + 1 < args.length ? args[++i] : null) : a.substring("--root=".length());
                    if (root != null || value == null || value.isEmpty() || value.startsWith("-")) {
                        return null;
                    }
                    root = value;
                } else if (a.equals("--json")) {
                    if (json) {
                        return null;
                    }
                    json = true;
                } else if (isVerbose(a)) {
                    if (verbose) {
                        return null;
                    }
                    verbose = true;
                } else if ((a.equals("status") || a.equals("check")) && command == null) {
                    command = a;
                } else {
                    return null;
                }
            }
            if (command == null || (command.equals("status") && (json || verbose))) {
                return null;
            }
            return new Request(Path.of(root == null ? "/" : root), command, json);
        }

        private static boolean isVerbose(String a) {
            if (a.length() < 2 || a.charAt(0) != '-') {
                return false;
            }
            for (int i = 1; i < a.length(); i++) {
                if (a.charAt(i) != 'v') {
                    return false;
                }
            }
            return true;
        }
    }
}
