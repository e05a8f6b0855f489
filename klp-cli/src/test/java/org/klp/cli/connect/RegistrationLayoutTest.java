package org.klp.cli.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** klp and SUSEConnect read each other's registration: the files as SUSEConnect writes and reads them. */
class RegistrationLayoutTest {

    @TempDir
    Path root;

    @Test
    void klpReadsARegistrationSuseConnectWrote() throws Exception {
        Files.createDirectories(root.resolve("etc/zypp/credentials.d"));
        Files.writeString(root.resolve("etc/zypp/credentials.d/SCCcredentials"), "username=SCC_abc\npassword=s3cret\nsystem_token=tok-1\n");
        Files.writeString(root.resolve("etc/SUSEConnect"), "---\nurl: http://klp.example.com:8080\ninsecure: false\nauto_agree_with_licenses: false\n");
        Credentials c = Credentials.require(root);
        assertThat(c).isEqualTo(new Credentials("http://klp.example.com:8080", "SCC_abc", "s3cret", 0));
    }

    @Test
    void klpWritesSccCredentialsPrivatelyAndKeepsWhatSuseConnectKeptThere() throws Exception {
        Files.createDirectories(root.resolve("etc/zypp/credentials.d"));
        Files.writeString(root.resolve("etc/zypp/credentials.d/SCCcredentials"), "username=old\npassword=old\nsystem_token=tok-1\n");
        Files.writeString(root.resolve("etc/SUSEConnect"), "---\nurl: https://scc.suse.com\nlanguage: de_DE\n");
        new Credentials("http://klp:8080", "SCC_new", "pw", 42).write(root);
        Path f = root.resolve("etc/zypp/credentials.d/SCCcredentials");
        assertThat(Files.readString(f)).isEqualTo("username=SCC_new\npassword=pw\nsystem_token=tok-1\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        assertThat(Files.readString(root.resolve("etc/SUSEConnect"))).isEqualTo("---\nurl: http://klp:8080\nlanguage: de_DE\n");
        assertThat(Credentials.require(root).systemId()).isEqualTo(42);

        Credentials.delete(root);
        assertThat(Credentials.read(root)).isEmpty();
        assertThat(root.resolve("etc/SUSEConnect")).as("SUSEConnect keeps its configuration too").exists();
    }

    @Test
    void aRegistrationWithoutAServerUrlSaysWhereToPutIt() throws Exception {
        Files.createDirectories(root.resolve("etc/zypp/credentials.d"));
        Files.writeString(root.resolve("etc/zypp/credentials.d/SCCcredentials"), "username=SCC_abc\npassword=s3cret\n");
        assertThatThrownBy(() -> Credentials.read(root)).hasMessageContaining("names no server: add 'url: http://SERVER:PORT'");
        Files.writeString(root.resolve("etc/zypp/credentials.d/SCCcredentials"), "user=SCC_abc\n");
        Files.writeString(root.resolve("etc/SUSEConnect"), "url: http://klp\n");
        assertThatThrownBy(() -> Credentials.read(root)).hasMessageContaining("is damaged (needs username= and password= lines)");
    }

    @Test
    void aRegistrationOfEarlierKlpIsStillRead() throws Exception {
        Files.createDirectories(root.resolve("etc/klp"));
        Files.writeString(root.resolve("etc/klp/credentials"), "server=http://klp:8080\nusername=SCC_x\npassword=p\nsystem_id=7\n");
        assertThat(Credentials.require(root)).isEqualTo(new Credentials("http://klp:8080", "SCC_x", "p", 7));
        Credentials.delete(root);
        assertThat(root.resolve("etc/klp/credentials")).doesNotExist();
    }

    @Test
    void aServiceIsLaidOutAsZypperKeepsItAndRemovedWithItsRepositories() throws Exception {
        Credentials c = new Credentials("http://klp:8080", "SCC_x", "p", 0);
        ZyppServices.add(root, new ZyppServices.Service("SUSE_Linux_Enterprise_Live_Patching_15_SP5_x86_64",
                "http://klp:8080/services/1002?credentials=SUSE_Linux_Enterprise_Live_Patching_15_SP5_x86_64"), c);
        assertThat(Files.readString(root.resolve("etc/zypp/services.d/SUSE_Linux_Enterprise_Live_Patching_15_SP5_x86_64.service")))
                .contains("[SUSE_Linux_Enterprise_Live_Patching_15_SP5_x86_64]\n", "enabled=1\n", "autorefresh=1\n", "type = ris\n",
                        "url = http://klp:8080/services/1002?credentials=SUSE_Linux_Enterprise_Live_Patching_15_SP5_x86_64\n");
        Path creds = root.resolve("etc/zypp/credentials.d/SUSE_Linux_Enterprise_Live_Patching_15_SP5_x86_64");
        assertThat(Files.readString(creds)).isEqualTo("username=SCC_x\npassword=p\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(creds))).isEqualTo("rw-------");
        Files.createDirectories(root.resolve("etc/zypp/repos.d"));
        Path repo = root.resolve("etc/zypp/repos.d/SUSE_Linux_Enterprise_Live_Patching_15_SP5_x86_64:lp.repo");
        Files.writeString(repo, "[x]\nbaseurl=http://klp:8080/repo/x/\nservice=SUSE_Linux_Enterprise_Live_Patching_15_SP5_x86_64\n");
        Path other = root.resolve("etc/zypp/repos.d/os.repo");
        Files.writeString(other, "[os]\nbaseurl=file:/media\n");
        assertThat(ZyppServices.list(root)).extracting(ZyppServices.Service::name).containsExactly("SUSE_Linux_Enterprise_Live_Patching_15_SP5_x86_64");

        ZyppServices.remove(root, "SUSE_Linux_Enterprise_Live_Patching_15_SP5_x86_64");
        assertThat(ZyppServices.list(root)).isEmpty();
        assertThat(creds).doesNotExist();
        assertThat(repo).doesNotExist();
        assertThat(other).exists();
    }

    @Test
    void aServiceNameThatIsNotAFileNameIsRefused() {
        for (String name : new String[] {"../../etc/passwd", "a/b", "SCCcredentials", ".hidden", ""}) {
            assertThatThrownBy(() -> new ZyppServices.Service(name, "http://klp/services/1")).as(name).hasMessageContaining("refusing it");
        }
        assertThatThrownBy(() -> new ZyppServices.Service("ok", "file:///etc/shadow")).hasMessageContaining("refusing it");
    }
}
