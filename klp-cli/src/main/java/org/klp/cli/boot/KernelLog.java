package org.klp.cli.boot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.klp.cli.Host;

/**
 * Lines for the kernel's log ({@code /dev/kmsg}), where the journal and {@code dmesg} show them
 * beside the kernel's own messages about the same boot. Only on the running system (never into a
 * mounted image's {@code dev}), only when writable; a log line never fails an operation.
 */
public final class KernelLog {

    private KernelLog() {
    }

    /** Writes {@code klp: message} at level warning (4); returns whether it was written. */
    public static boolean warn(Host host, String message) {
        if (!host.root().isSystem()) {
            return false;
        }
        Path kmsg = Path.of("/dev/kmsg");
        if (!Files.isWritable(kmsg)) {
            return false;
        }
        String line = "<4>klp: " + message.replace('\n', ' ');
        // one record per write, ended by a newline: without it the kernel holds the text back as a
        // continuation until the next message arrives
        byte[] bytes = ((line.length() > 900 ? line.substring(0, 900) : line) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            Files.write(kmsg, bytes, StandardOpenOption.WRITE);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
