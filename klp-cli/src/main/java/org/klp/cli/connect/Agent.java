package org.klp.cli.connect;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.time.Duration;
import org.klp.cli.Host;
import org.klp.cli.operation.Deadline;
import org.klp.cli.operation.Operations;
import org.klp.cli.operation.Outcome;
import org.klp.kernel.apply.ApplyResult;
import org.klp.kernel.apply.BlockerView;
import org.klp.kernel.apply.OnTimeout;
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
 * <p>Reconciling uses the host tool's own {@link Operations}: the package of the target version is
 * downloaded from the server's signed repository and verified ({@link LivePatchRepository}), its
 * module and record are installed under the root, and the change is made by an update or a
 * downgrade, with the transition deadline and the on-timeout action the group's policy gives. A
 * transition under way is the server's call: wait, or revert / force when it passed the group's
 * deadline.
 * The kernel lock is the zypp lock of {@link KernelLock}. A round whose desired state the host
 * already has changes nothing: the agent is idempotent. What the host reports of a change carries
 * its real reason (the error, the blocking tasks) and how long the transition ran.
 */
public final class Agent {

    /** How a round ended: the desired state, what the agent did, and the exit code it means. */
    public record Round(DesiredState desired, String did, String result, String message, HostPosture after, int exitCode) {
    }

    public static final String TRUSTED_KEYS = org.klp.cli.repo.Repositories.TRUSTED_KEYS;

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
            Operations operations = new Operations(host, progress);
            Duration deadline = Duration.ofSeconds(Math.max(10, d.transitionTimeoutSeconds()));
            String did = action + " to version " + d.targetVersion() + " (klp " + action.word() + ")";
            round = switch (action) {
                case UPDATE, DOWNGRADE -> change(host, d, operations);
                case REVERT -> roundOf(d, did, operations.revert(deadline));
                case FORCE -> roundOf(d, did, operations.force(deadline));
                default -> throw new IllegalStateException("no operation carries out " + action);
            };
        } catch (RuntimeException e) {
            round = new Round(d, action + " to version " + d.targetVersion(), "failed", e.getMessage(), null, 3);
        }
        // read the host afresh: the change installed packages and records
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
     * Moves the host to the target version with the host tool's own operations, which download,
     * verify, install and apply it: an update forward (the newest, or a pinned or staged version
     * short of it), a downgrade back, which the group's policy has already confirmed.
     */
    private static Round change(Host host, DesiredState d, Operations operations) {
        if (d.repositories().isEmpty()) {
            throw new IllegalStateException("the server named no repository for " + d.packageName());
        }
        Path keys = host.root().path().resolve(TRUSTED_KEYS);
        if (!Files.isRegularFile(keys)) {
            throw new IllegalStateException("no trusted repository key in " + keys + "; register again (klp register) to fetch it");
        }
        List<String> repositories = List.of(d.repositories().get(0));
        Deadline deadline = new Deadline(Duration.ofSeconds(d.transitionTimeoutSeconds()), OnTimeout.parse(d.onTimeout().word()));
        if (d.action() == DesiredAction.DOWNGRADE) {
            Outcome o = operations.downgrade(new Operations.DowngradeRequest(Optional.empty(), Optional.of(d.targetVersion()), Optional.empty(),
                    repositories, Optional.of(keys), deadline), plan -> true);
            return roundOf(d, d.action() + " to version " + d.targetVersion() + " (klp downgrade)", o);
        }
        Outcome o = operations.update(new Operations.UpdateRequest(repositories, Optional.of(keys), Optional.of(d.targetVersion()), false, deadline));
        return roundOf(d, d.action() + " to version " + d.targetVersion() + " (klp update)", o);
    }

    /** How an operation ended, and why, as the server's history records it. */
    static Round roundOf(DesiredState d, String did, Outcome outcome) {
        if (outcome instanceof Outcome.Changed c) {
            String message = why(c.result());
            return new Round(d, did, c.kind(), message.isEmpty() ? c.kind() : message, null, c.exitCode());
        }
        if (outcome instanceof Outcome.UpToDate u) {
            return new Round(d, did, "up-to-date", u.reason(), null, 0);
        }
        return new Round(d, did, "unchanged", outcome.toString(), null, 0);
    }

    /**
     * Why an operation ended as it did: the error of a failure, the blocking tasks and the time
     * waited of a reversed, forced or unfinished transition; nothing for a plain success.
     */
    static String why(ApplyResult result) {
        if (result instanceof ApplyResult.Failed f) {
            return f.reason();
        }
        List<BlockerView> blockers;
        Duration waited;
        if (result instanceof ApplyResult.Reverted r) {
            blockers = r.blockers();
            waited = r.waited();
        } else if (result instanceof ApplyResult.Forced f) {
            blockers = f.blockers();
            waited = f.waited();
        } else if (result instanceof ApplyResult.StillInProgress s) {
            blockers = s.blockers();
            waited = s.waited();
        } else {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        sb.append(blockers.size()).append(" blocking task").append(blockers.size() == 1 ? "" : "s");
        if (!blockers.isEmpty()) {
            sb.append(" (");
            for (int i = 0; i < blockers.size() && i < 3; i++) {
                BlockerView b = blockers.get(i);
                sb.append(i == 0 ? "" : ", ").append(b.task().comm()).append(' ').append(b.task().tid())
                        .append(b.task().kernelThread() ? ", kernel thread" : "")
                        .append(b.sleepsIn().map(f -> " in " + f.object() + ":" + f.name()).orElse(""));
            }
            sb.append(blockers.size() > 3 ? ", …)" : ")");
        }
        return sb.append(" after ").append(waited.toSeconds()).append(" s").toString();
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
