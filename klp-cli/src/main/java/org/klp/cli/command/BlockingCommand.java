package org.klp.cli.command;

import java.io.PrintWriter;
import java.util.Optional;
import org.klp.cli.Durations;
import org.klp.cli.ExitCode;
import org.klp.cli.Host;
import org.klp.cli.Json;
import org.klp.kernel.apply.BlockerView;
import org.klp.kernel.state.LivepatchSnapshot;
import org.klp.kernel.state.TaskState;
import picocli.CommandLine.Command;

@Command(name = "blocking", description = {
        "Lists the tasks (thread ids) holding the live patch transition back.",
        "Prints nothing when no transition is under way.",
        "-v adds their commands; -vv adds their stacks, the patched function each sleeps in, whether it is a",
        "kernel thread (which never switches by itself), how long the transition has lasted, and what to do."})
public final class BlockingCommand extends KlpCommand {

    @Override
    public Integer call() {
        Host host = host();
        LivepatchSnapshot snapshot = host.reader().snapshot();
        Optional<TransitionInfo> transition = TransitionInfo.of(host, snapshot, verbosity() > 1 || json());
        PrintWriter out = out();
        if (json()) {
            Json j = Json.object().field("state", transition.isPresent() ? "in_progress" : "ready");
            if (transition.isEmpty()) {
                j.nullField("transition");
                j.startArray("blocking").endArray();
                out.print(j.end());
                return ExitCode.OK;
            }
            TransitionInfo t = transition.get();
            j.startObject("transition").field("patch", t.patch().name()).field("direction", t.direction())
                    .field("seconds", t.lasted().map(d -> d.toSeconds())).endObject();
            j.startArray("blocking");
            for (BlockerView b : t.blockers()) {
                TaskState task = b.task();
                j.startObject().field("pid", task.pid()).field("tid", task.tid()).field("comm", task.comm())
                        .field("cmdline", task.cmdline()).field("kernelThread", task.kernelThread())
                        .field("state", String.valueOf(task.schedulerState()))
                        .field("patchState", task.patchState())
                        .field("sleepsIn", b.sleepsIn().map(f -> f.object() + ":" + f.name()))
                        .strings("stack", task.stack()).field("advice", b.advice()).endObject();
            }
            j.endArray();
            out.print(j.end());
            return ExitCode.OK;
        }
        if (transition.isEmpty()) {
            if (verbosity() > 0) {
                out.println("no transition is in progress; nothing is blocking");
            }
            return ExitCode.OK;
        }
        TransitionInfo t = transition.get();
        if (verbosity() == 0) {
            t.blockers().forEach(b -> out.println(b.task().tid()));
            return ExitCode.OK;
        }
        out.println("transition: " + PatchInfo.label(host, t.patch().name(), snapshot.kernelRelease()) + " " + t.direction()
                + t.lasted().map(d -> " for " + Durations.show(d)).orElse(" (started outside klp; duration unknown)")
                + ", " + t.blockers().size() + " task" + (t.blockers().size() == 1 ? "" : "s") + " blocking");
        for (BlockerView b : t.blockers()) {
            TaskState task = b.task();
            String kind = task.kernelThread() ? "kernel thread" : "user task";
            String command = task.cmdline().isEmpty() ? "[" + task.comm() + "]" : task.cmdline();
            out.println(task.tid() + (task.tid() != task.pid() ? " (pid " + task.pid() + ")" : "") + " " + task.comm() + " (" + kind + ") " + command);
            if (verbosity() > 1) {
                out.println("    sleeps in: " + b.sleepsIn().map(f -> f.name() + (f.object().equals("vmlinux") ? "" : " [" + f.object() + "]")
                        + ", a function this transition changes").orElse("no patched function found on its stack"));
                out.println("    stack:");
                if (task.stack().isEmpty()) {
                    out.println("        (empty: the task runs in user space or its stack cannot be read)");
                }
                task.stack().forEach(frame -> out.println("        " + frame));
                out.println("    what to do: " + b.advice());
            }
        }
        return ExitCode.OK;
    }
}
