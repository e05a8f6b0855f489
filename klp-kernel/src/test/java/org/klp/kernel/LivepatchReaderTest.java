package org.klp.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.klp.kernel.state.LoadedModule;
import org.klp.kernel.state.LoadedPatch;

class LivepatchReaderTest {

    @TempDir
    Path root;

    private void file(String path, String content) throws Exception {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    private LivepatchReader reader() {
        return new LivepatchReader(HostRoot.of(root));
    }

    @Test
    void readsStackFramesWithoutTheirAddressPrefix() {
        assertThat(LivepatchReader.stackFrames("[<0>] klp_target_wait+0x8c/0x110 [klp_target]\n[<0>] vfs_read+0xa5/0x2f0\n\n"))
                .containsExactly("klp_target_wait+0x8c/0x110 [klp_target]", "vfs_read+0xa5/0x2f0");
        assertThat(LivepatchReader.stackFrames("")).isEmpty();
    }

    @Test
    void readsCommandLinesSeparatedByNul() {
        assertThat(LivepatchReader.cmdline("cat\0/proc/klp_target/sleep\0")).isEqualTo("cat /proc/klp_target/sleep");
        assertThat(LivepatchReader.cmdline("")).isEmpty();
    }

    @Test
    void tellsKernelThreadsByTheirFlags() {
        assertThat(LivepatchReader.isKernelThreadStat("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0")).isTrue();
        assertThat(LivepatchReader.isKernelThreadStat("1 (systemd) S 0 1 1 0 -1 4194560 0 0")).isFalse();
        assertThat(LivepatchReader.isKernelThreadStat("77 (weird) name) S 2 0 0 0 -1 2129984 0")).isTrue();
        assertThat(LivepatchReader.isKernelThreadStat("garbage")).isFalse();
    }

    @Test
    void ordersPatchesByLoadOrderFromProcModules() throws Exception {
        file("proc/sys/kernel/osrelease", "6.1.0-56-amd64\n");
        file("proc/sys/kernel/tainted", "45056\n");
        for (String p : new String[] {"a_new", "z_old"}) {
            file("sys/kernel/livepatch/" + p + "/enabled", "1\n");
            file("sys/kernel/livepatch/" + p + "/transition", p.equals("a_new") ? "1\n" : "0\n");
            file("sys/kernel/livepatch/" + p + "/klp_target/patched", "1\n");
            Files.createDirectories(root.resolve("sys/kernel/livepatch/" + p + "/klp_target/klp_target_message,0"));
        }
        file("proc/modules", "a_new 16384 1 - Live 0xffffffffc0a10000 (OEK)\nz_old 16384 1 - Live 0xffffffffc0a00000 (OEK)\nklp_target 16384 0 - Live 0xffffffffc09f0000 (OE)\n");
        assertThat(reader().patches()).extracting(LoadedPatch::name).containsExactly("z_old", "a_new");
        assertThat(reader().snapshot().active()).map(LoadedPatch::name).contains("a_new");
        assertThat(reader().snapshot().transitionPatch()).map(LoadedPatch::name).contains("a_new");
        assertThat(reader().modules()).extracting(LoadedModule::name, LoadedModule::refcount, LoadedModule::taint)
                .contains(org.assertj.core.groups.Tuple.tuple("klp_target", 0, "OE"));
    }

    @Test
    void readsReplaceAndStackOrderWhereNewerKernelsHaveThem() throws Exception {
        file("proc/sys/kernel/osrelease", "6.14.0-1-amd64\n");
        file("sys/kernel/livepatch/p2/enabled", "1\n");
        file("sys/kernel/livepatch/p2/transition", "0\n");
        file("sys/kernel/livepatch/p2/replace", "1\n");
        file("sys/kernel/livepatch/p2/stack_order", "2\n");
        file("sys/kernel/livepatch/p1/enabled", "1\n");
        file("sys/kernel/livepatch/p1/transition", "0\n");
        file("sys/kernel/livepatch/p1/replace", "0\n");
        file("sys/kernel/livepatch/p1/stack_order", "1\n");
        assertThat(reader().patches()).extracting(LoadedPatch::name).containsExactly("p1", "p2");
        assertThat(reader().patches().get(1).replace()).contains(true);
        assertThat(reader().patches().get(1).stackOrder()).hasValue(2);
        file("sys/kernel/livepatch/p1/stack_order", "first\n");
        assertThatThrownBy(() -> reader().patches()).hasMessageContaining("stack_order holds 'first', expected a number");
    }

    @Test
    void refusesMalformedProcModules() throws Exception {
        file("proc/modules", "broken line\n");
        assertThatThrownBy(() -> reader().modules()).hasMessageContaining("proc/modules line 1 is malformed");
        file("proc/modules", "m many 1 - Live 0x0\n");
        assertThatThrownBy(() -> reader().modules()).hasMessageContaining("size and refcount must be numbers");
    }

    @Test
    void functionFolderWithoutSymposIsReportedWithItsPath() throws Exception {
        file("proc/sys/kernel/osrelease", "6.1.0-56-amd64\n");
        file("sys/kernel/livepatch/p/enabled", "1\n");
        file("sys/kernel/livepatch/p/transition", "0\n");
        Files.createDirectories(root.resolve("sys/kernel/livepatch/p/vmlinux/cmdline_proc_show"));
        assertThatThrownBy(() -> reader().patches()).hasMessageContaining("sys/kernel/livepatch/p/vmlinux/cmdline_proc_show")
                .hasMessageContaining("<function>,<sympos>");
    }
}
