package org.klp.cli;

import java.util.Optional;

/**
 * The jar's entry point. Answers {@code klp status} and {@code klp check} through {@link FastPath}
 * when it can, before any picocli class is loaded; runs {@link Klp} otherwise. Kept free of
 * references to picocli so that loading and verifying it loads none.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        Optional<FastPath.Answer> answer = FastPath.answer(args);
        if (answer.isEmpty()) {
            Klp.main(args);
            return;
        }
        System.out.print(answer.get().output());
        System.out.flush();
        System.exit(answer.get().exitCode());
    }
}
