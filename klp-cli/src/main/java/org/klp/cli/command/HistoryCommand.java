package org.klp.cli.command;

import java.util.List;
import org.klp.cli.ExitCode;
import org.klp.cli.Json;
import org.klp.cli.record.HistoryEvent;
import org.klp.cli.record.HostRecordStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "history", description = "Shows what klp did on this host, oldest first, from its append-only record.")
public final class HistoryCommand extends KlpCommand {

    @Option(names = "--last", paramLabel = "N", description = "Only the last N events.")
    Integer last;

    @Override
    public Integer call() {
        HostRecordStore.History history = host().records().history();
        List<HistoryEvent> events = history.events();
        if (!history.damagedLines().isEmpty()) {
            // a crash mid-append tears a line; the events around it are whole, so the history stays usable
            err().println("klp: warning: skipped " + history.damagedLines().size() + " damaged line" + (history.damagedLines().size() == 1 ? "" : "s")
                    + " of " + host().records().dir().resolve("history") + " (line " + history.damagedLines().stream().map(String::valueOf)
                    .collect(java.util.stream.Collectors.joining(", ")) + "), as a crash mid-write leaves them");
        }
        if (last != null) {
            if (last < 0) {
                throw new org.klp.cli.UsageException("--last must not be negative, was " + last);
            }
            events = events.subList(Math.max(0, events.size() - last), events.size());
        }
        if (json()) {
            Json j = Json.object();
            j.startArray("damagedLines");
            history.damagedLines().forEach(n -> j.value((long) n));
            j.endArray();
            j.startArray("events");
            for (HistoryEvent e : events) {
                j.startObject().field("at", e.at().toString()).field("operation", e.operation()).field("patch", e.patch())
                        .field("result", e.result()).field("message", e.message()).endObject();
            }
            out().print(j.endArray().end());
            return ExitCode.OK;
        }
        for (HistoryEvent e : events) {
            out().println(e.at() + "  " + e.operation() + (e.patch().isEmpty() ? "" : " " + e.patch()) + ": " + e.result()
                    + (e.message().isEmpty() ? "" : " (" + e.message() + ")"));
        }
        return ExitCode.OK;
    }
}
