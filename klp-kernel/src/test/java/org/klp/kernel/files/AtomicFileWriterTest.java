package org.klp.kernel.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileWriterTest {

    @TempDir
    Path tmp;
    Path root;
    Path outside;
    AtomicFileWriter writer;

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createDirectories(tmp.resolve("host"));
        outside = Files.createDirectories(tmp.resolve("elsewhere"));
        writer = AtomicFileWriter.under(root);
    }

    @Test
    void replacesTheWholeFileAndLeavesNoTemporaryFileBehind() throws Exception {
        Path state = root.resolve("var/lib/klp/state");
        writer.write(state, "format=1\nactive.patch=a_long_name_of_the_first_patch\n");
        writer.write(state, "format=1\n");
        assertThat(Files.readString(state)).isEqualTo("format=1\n");
        try (var files = Files.list(state.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("state");
        }
    }

    @Test
    void acceptsAPathRelativeToTheRootOrSpelledThroughALinkToIt() throws Exception {
        writer.write(Path.of("etc/klp/repositories"), "http://r\n");
        assertThat(root.resolve("etc/klp/repositories")).hasContent("http://r");
        Path alias = Files.createSymbolicLink(tmp.resolve("alias"), root);
        writer.write(alias.resolve("etc/klp/other"), "x");
        assertThat(root.resolve("etc/klp/other")).hasContent("x");
    }

    @Test
    void refusesAFolderThatIsALinkLeadingOutOfTheRoot() throws Exception {
        Files.createDirectories(root.resolve("var/lib"));
        Files.createSymbolicLink(root.resolve("var/lib/klp"), outside);
        assertThatThrownBy(() -> writer.write(root.resolve("var/lib/klp/state"), "format=1\n"))
                .isInstanceOf(OutsideRootException.class).hasMessageContaining("var/lib/klp").hasMessageContaining("leading out of the root");
        assertThatThrownBy(() -> writer.appendLine(root.resolve("var/lib/klp/history"), "{}")).isInstanceOf(OutsideRootException.class);
        assertThatThrownBy(() -> writer.openLockFile(root.resolve("var/lib/klp/lock"))).isInstanceOf(OutsideRootException.class);
        assertThatThrownBy(() -> writer.directory(root.resolve("var/lib/klp/modules"))).isInstanceOf(OutsideRootException.class);
        try (var files = Files.list(outside)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void refusesAnAbsoluteLinkOfAMountedImageThatPointsIntoTheMachineRunningKlp() throws Exception {
        Files.createDirectories(root.resolve("var"));
        // in the image, var/run -> /run means the image's /run; followed from here it is this machine's
        Files.createSymbolicLink(root.resolve("var/lib"), outside.toAbsolutePath());
        assertThatThrownBy(() -> writer.write(root.resolve("var/lib/klp/state"), "x")).isInstanceOf(OutsideRootException.class);
        assertThat(outside.resolve("klp")).doesNotExist();
    }

    @Test
    void refusesATargetThatIsALinkLeadingOutAndLeavesItsTargetAlone() throws Exception {
        Path secret = Files.writeString(outside.resolve("shadow"), "root:x:0:0\n");
        Files.createDirectories(root.resolve("var/lib/klp"));
        Files.createSymbolicLink(root.resolve("var/lib/klp/state"), secret);
        Files.createSymbolicLink(root.resolve("var/lib/klp/history"), secret);
        assertThatThrownBy(() -> writer.write(root.resolve("var/lib/klp/state"), "format=1\n")).isInstanceOf(OutsideRootException.class);
        assertThatThrownBy(() -> writer.appendLine(root.resolve("var/lib/klp/history"), "{}")).isInstanceOf(OutsideRootException.class);
        assertThat(secret).hasContent("root:x:0:0");
    }

    @Test
    void refusesAPathThatClimbsOutOfTheRoot() {
        assertThatThrownBy(() -> writer.write(root.resolve("../elsewhere/x"), "x")).isInstanceOf(OutsideRootException.class)
                .hasMessageContaining("outside the root");
        assertThat(outside.resolve("x")).doesNotExist();
    }

    @Test
    void followsALinkThatStaysInsideTheRoot() throws Exception {
        Files.createDirectories(root.resolve("run"));
        Files.createDirectories(root.resolve("var"));
        Files.createSymbolicLink(root.resolve("var/run"), Path.of("../run"));
        writer.write(root.resolve("var/run/klp.pid"), "42\n");
        assertThat(root.resolve("run/klp.pid")).hasContent("42");
    }

    @Test
    void aPrivateFileIsOwnerOnlyFromTheStartAndAPublicOneIsReadableByAll() throws Exception {
        Path secret = root.resolve("etc/zypp/credentials.d/SCC");
        writer.write(secret, "password=x\n", AtomicFileWriter.Access.PRIVATE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-------");
        Path config = root.resolve("etc/SUSEConnect");
        writer.write(config, "url: x\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-r--r--");
        // replacing a public file by a private one does not keep the old, wider permissions
        writer.write(config, "password=y\n", AtomicFileWriter.Access.PRIVATE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-------");
    }

    @Test
    void anAppendAfterATornLineStartsOnALineOfItsOwn() throws Exception {
        Path history = root.resolve("var/lib/klp/history");
        writer.appendLine(history, "{\"a\":1}");
        Files.writeString(history, "{\"b\":", java.nio.file.StandardOpenOption.APPEND);
        writer.appendLine(history, "{\"c\":3}");
        assertThat(Files.readAllLines(history)).containsExactly("{\"a\":1}", "{\"b\":", "{\"c\":3}");
    }

    @Test
    void theLockFileIsOpenedInsideTheRootAndNeverThroughALink() throws Exception {
        try (FileChannel ch = writer.openLockFile(root.resolve("var/lib/klp/lock"))) {
            assertThat(ch.tryLock()).isNotNull();
        }
        Path elsewhere = Files.writeString(outside.resolve("lock"), "");
        Files.delete(root.resolve("var/lib/klp/lock"));
        Files.createSymbolicLink(root.resolve("var/lib/klp/lock"), elsewhere);
        assertThatThrownBy(() -> writer.openLockFile(root.resolve("var/lib/klp/lock"))).isInstanceOf(OutsideRootException.class);
    }

    @Test
    void deleteRemovesALinkNotWhatItPointsTo() throws Exception {
        Path target = Files.writeString(root.resolve("kept"), "kept");
        Path link = Files.createSymbolicLink(root.resolve("link"), target);
        writer.delete(link);
        assertThat(link).doesNotExist();
        assertThat(target).hasContent("kept");
    }
}
