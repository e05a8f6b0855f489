package org.klp.cli.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.klp.cli.Host;
import org.klp.cli.Klp;
import org.klp.core.fleet.DesiredAction;
import org.klp.core.fleet.DesiredState;
import org.klp.core.fleet.HostPosture;
import org.klp.core.kernel.KernelRelease;
import org.klp.kernel.files.AtomicFileWriter;
import org.klp.packaging.client.LivePatchRepository;
import org.klp.packaging.pgp.TrustedKeys;

/**
 * One round of {@code klp agent}: report the host's posture, receive its desired state, reconcile,
 * and report again when something changed.
 *
 * <p>Reconciling uses the host tool itself: the package of the target version is downloaded from
 * the server's signed repository and verified ({@link LivePatchRepository}), its module and record
 * are installed under the root, and the change is made by {@code klp apply} (an update) or
 * {@code klp downgrade -n} (which names the fixes it drops), run in-process with the transition
 * deadline and the on-timeout action the group's policy gives. A transition under way is the
 * server's call: wait, or {@code klp revert} / {@code klp force} when it passed the group's deadline.
 * The kernel lock is the zypp lock of {@link KernelLock}. A round whose desired state the host
 * already has changes nothing: the agent is idempotent. What the host reports of a change carries
 * its real reason (the error, the blocking tasks) and how long the transition ran.
 */
public final class Agent {

    /** How a round ended: the desired state, what the agent did, and the exit code it means. */
    public record Round(DesiredState desired, String did, String result, String message, HostPosture after, int exitCode) {
    }

    public static final String TRUSTED_KEYS = org.klp.cli.repo.Repositories.TRUSTED_KEYS;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Agent() {
    }

    public static Round runOnce(Host host, Credentials credentials, java.util.function.Consumer<String> progress) {
        ConnectClient client = new ConnectClient(credentials.server());
        HostPosture before = PostureReader.read(host);
        ConnectClient.CheckinReply reply = client.checkin(credentials, before, agentName());
        DesiredState d = reply.desired();
        Path root = host.root().path();
        boolean lockChanged = KernelLock.set(root, d.kernelLock(), KernelRelease.parse(d.kernel()).flavor());
        if (lockChanged) {
            progress.accept(d.kernelLock() ? "kernel updates locked (zypp lock on kernel-" + KernelRelease.parse(d.kernel()).flavor() + ")"
                    : "kernel lock removed");
        }
        DesiredAction action = d.action();
        if (action == DesiredAction.NONE || action == DesiredAction.UNAVAILABLE || action == DesiredAction.WAIT) {
            HostPosture after = before;
            if (lockChanged) {
                after = PostureReader.read(host);
                client.checkin(credentials, after, agentName());
            }
            return switch (action) {
                case NONE -> new Round(d, "nothing to do", "unchanged", d.reason(), after, 0);
                case UNAVAILABLE -> new Round(d, "no live patches: " + d.reason(), "unavailable", d.reason(), after, 0);
                default -> new Round(d, "waiting for the transition", HostPosture.IN_PROGRESS.equals(after.transition()) ? "in_progress" : "unchanged",
                        d.reason(), after, HostPosture.IN_PROGRESS.equals(after.transition()) ? 1 : 0);
            };
        }
        progress.accept(action.changesVersion() ? action + " to version " + d.targetVersion() + " of " + d.packageName() + " (" + d.reason() + ")"
                : action + " the transition (" + d.reason() + ")");
        long started = System.nanoTime();
        Round round;
        try {
            round = action.changesVersion() ? change(host, d, progress) : run(host, d, List.of(action.word(), "--timeout",
                    Math.max(10, d.transitionTimeoutSeconds()) + "s"));
        } catch (RuntimeException e) {
            round = new Round(d, action + " to version " + d.targetVersion(), "failed", e.getMessage(), null, 3);
        }
        // the change ran in its own klp invocation: read the host afresh
        Host fresh = Host.open(host.root().path(), host.clock());
        HostPosture after = PostureReader.read(fresh);
        String message = round.message();
        if (!action.changesVersion()) {
            // what the group's on-timeout action ended: keep how long the transition had run in all
            long ran = before.transitionSeconds() + (System.nanoTime() - started) / 1_000_000_000L;
            message = message + "; the transition had run " + ran + " s";
        }
        if (round.result().equals("failed") && (after.lastApply() == null || !after.lastApply().message().equals(round.message()))) {
            // the failure happened before klp touched the kernel (download, verification): report it as the last apply
            after = withLastApply(after, new HostPosture.ApplyReport(action.word(), d.targetVersion(), "failed", clip(message), fresh.now().toString()));
        } else if (after.lastApply() != null && !message.isEmpty()) {
            // the host record keeps a short outcome; the server's history gets the real reason (blocking tasks, errors) and the time it took
            HostPosture.ApplyReport last = after.lastApply();
            after = withLastApply(after, new HostPosture.ApplyReport(last.operation(), last.targetVersion(), last.result(), clip(message), last.at()));
        }
        client.checkin(credentials, after, agentName());
        return new Round(d, round.did(), round.result(), message, after, round.exitCode());
    }

    private static HostPosture withLastApply(HostPosture p, HostPosture.ApplyReport last) {
        return new HostPosture(p.kernel(), p.installedKernels(), p.installedLivePatches(), p.loadedPatch(), p.loadedPackage(), p.loadedVersion(),
                p.transition(), p.transitionSeconds(), p.blockers(), p.taint(), p.forced(), last);
    }

    private static String clip(String s) {
        return s == null ? "" : s.length() > 900 ? s.substring(0, 900) : s;
    }

    /**
     * Moves the host to the target version with the host tool's own commands, which download,
     * verify, install and apply it: {@code klp update --to N} forward (the newest, or a pinned or
     * staged version short of it), {@code klp downgrade -n --to N} back.
     */
    private static Round change(Host host, DesiredState d, java.util.function.Consumer<String> progress) {
        if (d.repositories().isEmpty()) {
            throw new IllegalStateException("the server named no repository for " + d.packageName());
        }
        Path root = host.root().path();
        Path keys = root.resolve(TRUSTED_KEYS);
        if (!Files.isRegularFile(keys)) {
            throw new IllegalStateException("no trusted repository key in " + keys + "; register again (klp register) to fetch it");
        }
        String repoUrl = d.repositories().get(0);
        List<String> deadline = List.of("--timeout", d.transitionTimeoutSeconds() + "s", "--on-timeout", d.onTimeout().word());
        String verb = d.action() == DesiredAction.DOWNGRADE ? "downgrade" : "update";
        List<String> args = new ArrayList<>(List.of(verb, "--to", Integer.toString(d.targetVersion()), "--repo", repoUrl,
                "--trusted", keys.toString()));
        if (verb.equals("downgrade")) {
            args.add("-n");
        }
        args.addAll(deadline);
        return run(host, d, args);
    }

    /** Runs one klp command in-process on this host and reads how it ended, and why, from its JSON. */
    private static Round run(Host host, DesiredState d, List<String> command) {
        List<String> args = new ArrayList<>(List.of("--root", host.root().path().toString(), "--json"));
        args.addAll(command);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Klp.run(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
        String result = "failed";
        String message = err.toString().strip();
        try {
            JsonNode n = JSON.readTree(out.toString());
            if (n != null && n.has("result")) {
                result = n.get("result").asText();
                message = why(n, message);
            } else if (n != null && n.has("error")) {
                message = n.get("error").path("message").asText(message);
            }
        } catch (IOException e) {
            // not JSON: the message on stderr says what happened
        }
        if (message.isEmpty()) {
            message = result;
        }
        return new Round(d, d.action() + " to version " + d.targetVersion() + " (klp " + command.get(0) + ")", result,
                message.replaceFirst("^klp: ", ""), null, code);
    }

    /**
     * Why a klp operation ended as it did, from its JSON: the error of a failure, the blocking
     * tasks and the time waited of a reversed, forced or unfinished transition.
     */
    static String why(JsonNode n, String fallback) {
        if (n.hasNonNull("error") && n.get("error").isTextual()) {
            return n.get("error").asText();
        }
        JsonNode blocking = n.path("blocking");
        if (!blocking.isArray() && !n.has("waitedMilliseconds")) {
            return fallback;
        }
        StringBuilder sb = new StringBuilder();
        sb.append(blocking.size()).append(" blocking task").append(blocking.size() == 1 ? "" : "s");
        if (blocking.size() > 0) {
            sb.append(" (");
            for (int i = 0; i < blocking.size() && i < 3; i++) {
                JsonNode b = blocking.get(i);
                sb.append(i == 0 ? "" : ", ").append(b.path("comm").asText("?")).append(' ').append(b.path("tid").asText(""))
                        .append(b.path("kernelThread").asBoolean() ? ", kernel thread" : "")
                        .append(b.hasNonNull("sleepsIn") ? " in " + b.get("sleepsIn").asText() : "");
            }
            sb.append(blocking.size() > 3 ? ", …)" : ")");
        }
        if (n.has("waitedMilliseconds")) {
            sb.append(" after ").append(n.get("waitedMilliseconds").asLong() / 1000).append(" s");
        }
        return sb.toString();
    }

    /**
     * Sets a product's repository up at activation, as SUSEConnect adds a product's service: the
     * URL goes into {@code etc/klp/repositories} (which {@code klp update} reads), and the
     * repositories' signing key into {@code etc/klp/trusted.asc} (trust on first use, over the
     * channel that registered the host).
     */
    public static Optional<Path> configureRepository(Path root, String repositoryUrl) {
        Path list = root.resolve(org.klp.cli.repo.Repositories.CONFIG);
        try {
            List<String> lines = Files.exists(list) ? new ArrayList<>(Files.readAllLines(list)) : new ArrayList<>();
            if (!lines.contains(repositoryUrl)) {
                lines.add(repositoryUrl);
                AtomicFileWriter.under(root).write(list, String.join("\n", lines) + "\n");
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot write " + list + ": " + e.getMessage(), e);
        }
        return trustServerKey(root, repositoryUrl);
    }

    /** Removes the repositories registration configured, at deregistration. */
    public static void forgetRepositories(Path root) {
        try {
            AtomicFileWriter.under(root).delete(root.resolve(org.klp.cli.repo.Repositories.CONFIG));
        } catch (java.io.UncheckedIOException e) {
            throw new IllegalStateException("Cannot remove " + root.resolve(org.klp.cli.repo.Repositories.CONFIG) + ": " + e.getMessage(), e);
        }
    }

    private static Optional<Path> trustServerKey(Path root, String repositoryUrl) {
        String url = repositoryUrl.endsWith("/") ? repositoryUrl : repositoryUrl + "/";
        byte[] key = ConnectClient.fetch(url + "repodata/repomd.xml.key", 1 << 20);
        TrustedKeys.parse(key, url + "repodata/repomd.xml.key");
        Path file = root.resolve(TRUSTED_KEYS);
        AtomicFileWriter.under(root).write(file, key);
        return Optional.of(file);
    }

    static String agentName() {
        String v = Agent.class.getPackage().getImplementationVersion();
        return "klp-agent/" + (v == null ? "0.1.0" : v);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
