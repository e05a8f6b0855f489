package org.klp.it.realkernel;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Work done once per kernel line in this JVM, such as a class's guest boots: the first request for
 * any line starts it for every line of {@link DebianKernel#all()}, each on a thread of its own, so
 * that the two lines' guests run at once (a guest under TCG keeps one core busy and the JVM that
 * waits for it almost none; on two cores this halves the longest classes). A line's failure is
 * thrown, as it was, to whoever asks for that line, every time.
 */
final class EveryKernelLine<T> {

    private final String name;
    private final Function<DebianKernel, T> work;
    private Map<DebianKernel, CompletableFuture<T>> started;

    EveryKernelLine(String name, Function<DebianKernel, T> work) {
        this.name = name;
        this.work = work;
    }

    T get(DebianKernel line) {
        CompletableFuture<T> future = start().get(line);
        if (future == null) {
            throw new IllegalArgumentException(line + " is not one of " + DebianKernel.all());
        }
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    private synchronized Map<DebianKernel, CompletableFuture<T>> start() {
        if (started == null) {
            started = new LinkedHashMap<>();
            for (DebianKernel line : DebianKernel.all()) {
                CompletableFuture<T> future = new CompletableFuture<>();
                Thread thread = new Thread(() -> {
                    try {
                        future.complete(work.apply(line));
                    } catch (Throwable t) {
                        future.completeExceptionally(t);
                    }
                }, name + "-" + line.imagePackage());
                thread.setDaemon(true);
                thread.start();
                started.put(line, future);
            }
        }
        return started;
    }
}
