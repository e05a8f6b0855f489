package org.klp.it.realkernel;

import java.nio.file.Path;
import java.util.List;

/**
 * A guest boot that did not produce a complete scenario result: QEMU outlived its timeout, the
 * kernel panicked, {@code /init} failed or the scenario stopped early. The message says which,
 * with the last console lines and where the whole console log is.
 */
public final class GuestFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    static final int TAIL_LINES = 40;

    GuestFailedException(String what, List<String> console, Path consoleLog) {
        super(what + "\nLast console lines:\n" + tail(console) + "\nWhole console log: " + consoleLog);
    }

    /** The last lines, without the base64 output lines of steps (the log file has them). */
    private static String tail(List<String> console) {
        List<String> readable = console.stream()
                .filter(l -> !l.startsWith(ConsoleTranscript.OUT) && !l.startsWith(ConsoleTranscript.ERR)).toList();
        List<String> last = readable.subList(Math.max(0, readable.size() - TAIL_LINES), readable.size());
        return last.isEmpty() ? "  (none)" : "  | " + String.join("\n  | ", last);
    }
}
