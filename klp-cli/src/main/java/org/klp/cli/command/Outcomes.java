package org.klp.cli.command;

import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import org.klp.cli.Durations;
import org.klp.cli.Host;
import org.klp.cli.Json;
import org.klp.cli.boot.InitrdRegeneration;
import org.klp.cli.operation.Outcome;
import org.klp.cli.operation.OperationRunner;
import org.klp.core.patch.FixChange;
import org.klp.kernel.apply.ApplyResult;
import org.klp.kernel.apply.BlockerView;
import org.klp.kernel.state.LoadedPatch;
import org.klp.packaging.record.PatchRecord;

/** Says how an operation ended, in words and in JSON, with the fixes gained and lost, and picks the exit code. */
final class Outcomes {

    private Outcomes() {
    }

    /** Prints an operation that ran: the steps on the way, then how it ended and what became of the initrds. */
    static int report(Host host, PrintWriter out, PrintWriter err, boolean json, Outcome.Changed changed) {
        if (!json) {
            changed.steps().forEach(out::println);
        }
        return report(host, out, err, json, changed.operation(), changed.result(), changed.before(), changed.target(), changed.initrd());
    }

    static int report(Host host, PrintWriter out, PrintWriter err, boolean json, String operation, ApplyResult result,
                      Optional<PatchRecord> before, Optional<PatchRecord> target) {
        return report(host, out, err, json, operation, result, before, target, List.of());
    }

    /** As above, with what became of the initrds the operation changed (see {@link InitrdRegeneration}). */
    static int report(Host host, PrintWriter out, PrintWriter err, boolean json, String operation, ApplyResult result,
                      Optional<PatchRecord> before, Optional<PatchRecord> target, List<InitrdRegeneration.Result> initrd) {
        String kernel = host.reader().kernelRelease();
        Optional<PatchRecord> after = result.activeAfter().flatMap(a -> a.equals(target.map(PatchRecord::moduleName).orElse(""))
                ? target : PatchInfo.record(host, a, kernel));
        FixChange change = FixChange.between(before.map(r -> r.livePatch().fixes()).orElse(List.of()),
                after.map(r -> r.livePatch().fixes()).orElse(List.of()));
        int code = exitCode(operation, result);
        if (json) {
            Json j = Json.object().field("operation", operation).field("result", kind(result))
                    .field("activePatch", result.activeAfter().orElse(null));
            PatchInfo.recordJson(j, after);
            PatchInfo.fixesJson(j, "fixesGained", change.gained());
            PatchInfo.fixesJson(j, "fixesDropped", change.dropped());
            details(j, result);
            initrdJson(j, initrd);
            j.field("exitCode", code);
            out.print(j.end());
            return code;
        }
        if (result instanceof ApplyResult.Completed c) {
            String verb = operation.equals("disable") ? "disabled " + c.patch() : operation + " done: " + PatchInfo.label(c.patch(), target);
            out.println(verb + " in " + Durations.show(c.took())
                    + c.previous().filter(p -> !p.equals(c.patch())).map(p -> stillEnabled(host, p)
                            ? ", on top of " + p + ", which stays enabled (" + c.patch() + " does not replace it)"
                            : ", replacing " + p).orElse(""));
            out.println("active: " + c.activeAfter().map(a -> PatchInfo.label(a, after)).orElse("none (the kernel's original code runs)"));
            c.unloadedModules().forEach(m -> out.println("unloaded module " + m));
            c.modulesHeldForever().forEach(m -> out.println("module " + m + " stays loaded: a forced transition pinned it; it goes away at the next reboot"));
        } else if (result instanceof ApplyResult.AlreadyActive a) {
            out.println(PatchInfo.label(a.patch(), after) + " is already active; nothing changed");
        } else if (result instanceof ApplyResult.Reverted r && operation.equals("revert")) {
            // the reversal the user asked for, done: a success, said as such
            out.println("reverted the transition of " + r.patch() + " in " + Durations.show(r.waited()) + ": "
                    + r.activeAfter().map(a -> PatchInfo.label(a, after) + " stays active").orElse("no live patch is active")
                    + (r.moduleUnloaded() ? "; module " + r.patch() + " unloaded" : ""));
        } else if (result instanceof ApplyResult.Reverted r) {
            err.println("klp: the transition of " + r.patch() + " did not complete in " + Durations.show(r.waited()) + ": "
                    + blockersSummary(r.blockers()));
            out.println("reverted: " + r.activeAfter().map(a -> PatchInfo.label(a, after) + " stays active").orElse("no live patch is active")
                    + "; see 'klp blocking -vv' next time it blocks, or retry with --timeout or --on-timeout=force");
        } else if (result instanceof ApplyResult.Forced f) {
            out.println("forced the transition of " + f.patch() + " past " + blockersSummary(f.blockers()));
            out.println("active: " + f.activeAfter().map(a -> PatchInfo.label(a, after)).orElse("none"));
            err.println("klp: warning: tasks that were blocked may still run the old code" + heldForever(f.modulesHeldForever())
                    + "; plan a reboot");
        } else if (result instanceof ApplyResult.StillInProgress s) {
            out.println("in_progress: the transition of " + s.patch() + " continues in the kernel after " + Durations.show(s.waited())
                    + "; " + blockersSummary(s.blockers()) + "; check with 'klp status' and 'klp blocking -vv'");
        } else if (result instanceof ApplyResult.Failed f) {
            err.println("klp: " + operation + " failed: " + f.reason());
            out.println("nothing changed: " + f.activeAfter().map(a -> PatchInfo.label(a, PatchInfo.record(host, a, kernel)) + " is active")
                    .orElse("no live patch is active"));
        }
        if (!change.isEmpty() && !(result instanceof ApplyResult.Failed)) {
            out.println("fixes: +" + change.gained().size() + " gained, -" + change.dropped().size() + " dropped");
            PatchInfo.printChange(out, change);
        }
        initrd.forEach(r -> out.println(r.line()));
        return code;
    }

    static void initrdJson(Json j, List<InitrdRegeneration.Result> initrd) {
        j.startArray("initrd");
        for (InitrdRegeneration.Result r : initrd) {
            j.startObject().field("kernel", r.kernel()).field("result", r.outcome()).field("tool", r.tool()).field("message", r.message()).endObject();
        }
        j.endArray();
    }

    /** Whether the kernel still lists the patch as enabled: a patch without atomic replace stacks on the one before. */
    private static boolean stillEnabled(Host host, String patch) {
        return host.reader().snapshot().patch(patch).filter(LoadedPatch::enabled).isPresent();
    }

    static int exitCode(String operation, ApplyResult r) {
        return new Outcome.Changed(operation, r, Optional.empty(), Optional.empty(), List.of()).exitCode();
    }

    static String kind(ApplyResult r) {
        return new Outcome.Changed("", r, Optional.empty(), Optional.empty(), List.of()).kind();
    }

    private static void details(Json j, ApplyResult r) {
        if (r instanceof ApplyResult.Completed c) {
            j.field("patch", c.patch()).field("previousPatch", c.previous()).field("milliseconds", c.took().toMillis())
                    .strings("unloadedModules", c.unloadedModules()).strings("modulesHeldForever", c.modulesHeldForever());
        } else if (r instanceof ApplyResult.AlreadyActive a) {
            j.field("patch", a.patch());
        } else if (r instanceof ApplyResult.Reverted v) {
            j.field("patch", v.patch()).field("waitedMilliseconds", v.waited().toMillis()).field("moduleUnloaded", v.moduleUnloaded());
            blockersJson(j, v.blockers());
        } else if (r instanceof ApplyResult.Forced f) {
            j.field("patch", f.patch()).field("waitedMilliseconds", f.waited().toMillis()).strings("modulesHeldForever", f.modulesHeldForever())
                    .field("rebootRecommended", true);
            blockersJson(j, f.blockers());
        } else if (r instanceof ApplyResult.StillInProgress s) {
            j.field("patch", s.patch()).field("waitedMilliseconds", s.waited().toMillis());
            blockersJson(j, s.blockers());
        } else if (r instanceof ApplyResult.Failed f) {
            j.field("error", f.reason()).field("errno", f.errno());
        }
    }

    private static void blockersJson(Json j, List<BlockerView> blockers) {
        j.startArray("blocking");
        for (BlockerView b : blockers) {
            j.startObject().field("pid", b.task().pid()).field("tid", b.task().tid()).field("comm", b.task().comm())
                    .field("kernelThread", b.task().kernelThread()).field("sleepsIn", b.sleepsIn().map(f -> f.object() + ":" + f.name()))
                    .endObject();
        }
        j.endArray();
    }

    static String heldForever(List<String> modules) {
        return OperationRunner.heldForever(modules);
    }

    static String blockersSummary(List<BlockerView> blockers) {
        if (blockers.isEmpty()) {
            return "no task was blocking";
        }
        StringBuilder sb = new StringBuilder(blockers.size() + " blocking task" + (blockers.size() == 1 ? "" : "s") + " (");
        for (int i = 0; i < blockers.size() && i < 3; i++) {
            BlockerView b = blockers.get(i);
            sb.append(i == 0 ? "" : ", ").append(b.task().comm()).append(' ').append(b.task().tid())
                    .append(b.task().kernelThread() ? ", kernel thread" : "")
                    .append(b.sleepsIn().map(f -> " in " + f.name()).orElse(""));
        }
        return sb.append(blockers.size() > 3 ? ", …)" : ")").toString();
    }
}
