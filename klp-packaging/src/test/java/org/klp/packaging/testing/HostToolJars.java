package org.klp.packaging.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Jars shaped like the host tool's {@code klp.jar} for packaging tests (the real one is built by
 * klp-cli, above this module): a main class entry, a manifest version, and files under
 * {@code META-INF/klp-dist/} at their host paths.
 */
public final class HostToolJars {

    /** A restore script that, like klp's, loads what the host record names from klp's module copies, and says so. */
    public static final String RESTORE_EARLY = """
            #!/bin/sh
            root="${1:-}"
            module=$(sed -n 's/^active.module=//p' "$root/var/lib/klp/state" 2>/dev/null | head -n 1)
            [ -n "$module" ] && [ -f "$root/$module" ] && echo "would load $module" && exit 0
            echo "nothing to load"
            """;

    private HostToolJars() {
    }

    public static Map<String, String> standardDist() {
        Map<String, String> dist = new LinkedHashMap<>();
        dist.put("usr/bin/klp", "#!/bin/sh\nexec java -jar /usr/lib/klp/klp.jar \"$@\"\n");
        dist.put("usr/lib/klp/klp-restore-early", RESTORE_EARLY);
        dist.put("usr/lib/systemd/system/klp-restore.service", "[Service]\nExecStart=/usr/bin/klp restore\n");
        dist.put("usr/lib/dracut/modules.d/90klp/module-setup.sh", "#!/bin/bash\ncheck() { return 255; }\n");
        dist.put("usr/share/initramfs-tools/hooks/klp", "#!/bin/sh\nexit 0\n");
        dist.put("usr/share/man/man8/klp.8", ".TH KLP 8\n.SH NAME\nklp \\- kernel live patching\n");
        return dist;
    }

    public static Path write(Path file, String version, Map<String, String> dist) {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "org.klp.cli.Klp");
        if (version != null) {
            m.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, version);
        }
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out, m)) {
            jar.putNextEntry(new JarEntry("org/klp/cli/Klp.class"));
            jar.write(new byte[] {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE});
            jar.closeEntry();
            for (Map.Entry<String, String> e : dist.entrySet()) {
                jar.putNextEntry(new JarEntry("META-INF/klp-dist/" + e.getKey()));
                jar.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                jar.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
