package org.klp.it.realkernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpioNewcWriterTest {

    @Test
    void entriesAreAlignedToFourBytesAndTheArchiveEndsWithATrailer() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (CpioNewcWriter cpio = new CpioNewcWriter(bytes)) {
            cpio.directory("bin");
            cpio.file("init", 0755, "#!/bin/sh\n".getBytes(StandardCharsets.US_ASCII));
        }
        byte[] archive = bytes.toByteArray();
        String text = new String(archive, StandardCharsets.ISO_8859_1);

        assertThat(archive.length % 4).isZero();
        assertThat(text).startsWith("070701").contains("bin\0").contains("init\0").contains("#!/bin/sh\n")
                .contains("TRAILER!!!\0");
        assertThat(text.indexOf("#!/bin/sh") % 4).as("file data starts on a 4-byte boundary").isZero();
    }

    @Test
    void busyboxCpioReadsBackWhatWasWritten(@TempDir Path dir) throws IOException {
        Path archive = dir.resolve("a.cpio");
        try (CpioNewcWriter cpio = new CpioNewcWriter(Files.newOutputStream(archive))) {
            cpio.directory("modules");
            cpio.file("modules/order", 0644, "virtio.ko\n".getBytes(StandardCharsets.US_ASCII));
        }
        Path extracted = Files.createDirectories(dir.resolve("x"));

        HostCommand.run(List.of("/bin/busybox", "sh", "-c", "/bin/busybox cpio -i -d < " + archive), extracted, Duration.ofSeconds(30));

        assertThat(extracted.resolve("modules/order")).hasContent("virtio.ko\n");
    }
}
