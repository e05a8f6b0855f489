package org.klp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the host tool's package installs besides the jar travels inside the jar, under
 * {@code META-INF/klp-dist/} at its path on the host; the man page documents every command.
 */
class HostToolDistributionTest {

    static String dist(String path) throws IOException {
        try (InputStream in = Klp.class.getResourceAsStream("/META-INF/klp-dist/" + path)) {
            assertThat(in).as("META-INF/klp-dist/" + path + " in the jar").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theJarCarriesTheLauncherTheBootHooksTheUnitAndTheManPageAtTheirHostPaths() throws Exception {
        assertThat(dist("usr/bin/klp")).startsWith("#!/bin/sh").contains("jar=/usr/lib/klp/klp.jar").contains("-cp \"$jar\" org.klp.cli.Main \"$@\"");
        assertThat(dist("usr/lib/klp/klp-restore-early")).startsWith("#!/bin/sh");
        assertThat(dist("usr/lib/systemd/system/klp-restore.service")).contains("ExecStart=/usr/bin/klp restore");
        assertThat(dist("usr/lib/dracut/modules.d/90klp/module-setup.sh")).contains("inst_simple /usr/lib/klp/klp-restore-early");
        assertThat(dist("usr/lib/dracut/modules.d/90klp/klp-restore.sh")).contains("/usr/lib/klp/klp-restore-early");
        assertThat(dist("usr/share/initramfs-tools/hooks/klp")).contains("copy_exec /usr/lib/klp/klp-restore-early");
        assertThat(dist("usr/share/initramfs-tools/scripts/init-premount/klp")).contains("/usr/lib/klp/klp-restore-early");
        assertThat(dist("usr/share/man/man8/klp.8")).startsWith(".TH KLP 8");
    }

    @Test
    void theManPageDocumentsEveryCommandAndTheExitCodes() throws Exception {
        String man = dist("usr/share/man/man8/klp.8");
        java.io.StringWriter help = new java.io.StringWriter();
        Klp.run(new String[] {"--help"}, new java.io.PrintWriter(help), new java.io.PrintWriter(new java.io.StringWriter()));
        String usage = help.toString();
        String commandsPart = usage.substring(usage.indexOf("Commands:"), usage.indexOf("Exit codes:"));
        List<String> commands = commandsPart.lines().skip(1).filter(l -> l.matches("  [a-z-]+( .*)?"))
                .map(l -> l.strip().split("\\s+")[0]).distinct().toList();
        assertThat(commands).contains("status", "register", "deregister", "agent");
        for (String c : commands) {
            assertThat(man).as("klp.8 documents '" + c + "'").containsPattern("(?m)^\\.(B|BI|BR) " + java.util.regex.Pattern.quote(c) + "( |$|,)");
        }
        List<String> codes = usage.substring(usage.indexOf("Exit codes:")).lines().skip(1).map(String::strip)
                .filter(l -> l.matches("\\d+ .*")).map(l -> l.split(" ")[0]).toList();
        assertThat(codes).containsExactly("0", "1", "2", "3");
        for (String code : codes) {
            assertThat(man).as("klp.8 documents exit status " + code).containsPattern("(?m)^\\.B " + code + "$");
        }
    }
}
