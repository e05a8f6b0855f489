package org.klp.it.realkernel;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Runnable jars of this module's own classes, for {@code java -jar} in the guest. */
final class GuestJars {

    private GuestJars() {
    }

    /**
     * Writes a jar whose Main-Class is {@code main}, holding that class (and its nested classes)
     * from the test class path.
     */
    static Path runnable(Class<?> main, Path jar) {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, main.getName());
        String dir = main.getPackageName().replace('.', '/') + "/";
        try {
            Path classes = Path.of(main.getProtectionDomain().getCodeSource().getLocation().toURI()).resolve(dir);
            Files.createDirectories(jar.getParent());
            try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jarOut = new JarOutputStream(out, manifest);
                 var files = Files.list(classes)) {
                for (Path file : files.filter(f -> isClassOf(main, f.getFileName().toString())).toList()) {
                    jarOut.putNextEntry(new JarEntry(dir + file.getFileName()));
                    jarOut.write(Files.readAllBytes(file));
                    jarOut.closeEntry();
                }
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + jar, e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("No class folder for " + main, e);
        }
    }

    private static boolean isClassOf(Class<?> main, String fileName) {
        return fileName.equals(main.getSimpleName() + ".class")
                || fileName.startsWith(main.getSimpleName() + "$") && fileName.endsWith(".class");
    }
}
