package org.klp.cli.operation;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** What an operation did on the way: progress as it goes (for {@code -v}), and the steps its outcome reports. */
final class Steps {

    private final Consumer<String> progress;
    private final List<String> done = new ArrayList<>();

    Steps(Consumer<String> progress) {
        this.progress = progress;
    }

    void progress(String line) {
        progress.accept(line);
    }

    /** A step the user sees in the outcome, such as the package manager command that ran. */
    void done(String line) {
        progress.accept(line);
        done.add(line);
    }

    List<String> done() {
        return List.copyOf(done);
    }
}
