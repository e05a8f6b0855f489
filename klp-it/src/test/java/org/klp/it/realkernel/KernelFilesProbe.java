package org.klp.it.realkernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A tiny program the guest runs with {@code java -jar}: it reads and writes kernel files the
 * way Java code of klp would ({@code java.nio.file.Files}) and prints, one line per operation,
 * the exact bytes read or the exception, so a test sees how Java meets sysfs and procfs.
 *
 * <pre>
 *   java -jar probe.jar read:/sys/kernel/livepatch/p/enabled write:/sys/kernel/livepatch/p/force=1
 *   read /sys/kernel/livepatch/p/enabled -> "1\n"
 *   write /sys/kernel/livepatch/p/force "1" -> FileSystemException: ...: Invalid argument
 * </pre>
 */
public final class KernelFilesProbe {

    private KernelFilesProbe() {
    }

    public static void main(String[] args) {
        for (String arg : args) {
            if (arg.startsWith("read:")) {
                String path = arg.substring("read:".length());
                System.out.println("read " + path + " -> " + read(Path.of(path)));
            } else if (arg.startsWith("write:") && arg.contains("=")) {
                String path = arg.substring("write:".length(), arg.indexOf('='));
                String value = arg.substring(arg.indexOf('=') + 1);
                System.out.println("write " + path + " \"" + value + "\" -> " + write(Path.of(path), value));
            } else {
                System.out.println("usage: read:PATH | write:PATH=VALUE, not " + arg);
            }
        }
    }

    private static String read(Path path) {
        try {
            return quote(new String(Files.readAllBytes(path), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    private static String write(Path path, String value) {
        try {
            Files.writeString(path, value, StandardCharsets.UTF_8, StandardOpenOption.WRITE);
            return "ok";
        } catch (IOException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\n", "\\n").replace("\0", "\\0") + "\"";
    }
}
