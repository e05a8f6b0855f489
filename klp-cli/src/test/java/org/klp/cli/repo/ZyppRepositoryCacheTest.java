package org.klp.cli.repo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** zypper's cached repository metadata, read offline: only enabled repositories, only inside the root. */
class ZyppRepositoryCacheTest {

    static final String NAME = "kernel-livepatch-5_14_21-150500_55_49-default";

    @TempDir
    Path tmp;

    Path root() {
        return tmp.resolve("root");
    }

    void repo(String alias, boolean enabled, String primaryName, int... versions) throws IOException {
        Path reposD = Files.createDirectories(root().resolve("etc/zypp/repos.d"));
        Files.writeString(reposD.resolve(alias + ".repo"), "[" + alias + "]\nname=" + alias + "\nenabled=" + (enabled ? 1 : 0)
                + "\nbaseurl=file:///srv/" + alias + "\n");
        Path repodata = Files.createDirectories(root().resolve("var/cache/zypp/raw/" + alias + "/repodata"));
        Files.writeString(repodata.resolve("repomd.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <repomd xmlns="http://linux.duke.edu/metadata/repo"><revision>1</revision>
                  <data type="primary"><location href="repodata/%s"/></data>
                </repomd>
                """.formatted(primaryName));
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\"?>\n<metadata xmlns=\"http://linux.duke.edu/metadata/common\" packages=\""
                + versions.length + "\">\n");
        for (int v : versions) {
            xml.append("<package type=\"rpm\"><name>").append(NAME).append("</name><arch>x86_64</arch><version epoch=\"0\" ver=\"")
                    .append(v).append("\" rel=\"").append(v).append(".1\"/><summary>lp</summary></package>\n");
        }
        xml.append("<package type=\"rpm\"><name>other</name><arch>noarch</arch><version epoch=\"0\" ver=\"9\" rel=\"1\"/></package>\n</metadata>\n");
        if (primaryName.endsWith(".gz")) {
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(repodata.resolve(primaryName)))) {
                out.write(xml.toString().getBytes(StandardCharsets.UTF_8));
            }
        } else {
            Files.writeString(repodata.resolve(primaryName), xml);
        }
    }

    @Test
    void enabledRepositoriesOfferTheirVersionsOldestFirst() throws IOException {
        repo("updates", true, "abc-primary.xml.gz", 2, 4);
        repo("pool", true, "def-primary.xml", 1);
        repo("disabled", false, "ghi-primary.xml", 9);
        ZyppRepositoryCache.Found found = ZyppRepositoryCache.offers(root(), NAME);
        assertThat(found.problems()).isEmpty();
        assertThat(found.offers()).extracting(o -> o.repository() + ":" + o.nevra()).containsExactly(
                "pool:" + NAME + "-1-1.1.x86_64", "updates:" + NAME + "-2-2.1.x86_64", "updates:" + NAME + "-4-4.1.x86_64");
    }

    @Test
    void aZstdPrimaryIsReportedNotGuessed() throws IOException {
        repo("sle", true, "abc-primary.xml.zst");
        ZyppRepositoryCache.Found found = ZyppRepositoryCache.offers(root(), NAME);
        assertThat(found.offers()).isEmpty();
        assertThat(found.problems()).singleElement().satisfies(p -> assertThat(p).contains("zstd").contains("zypper se -s"));
    }

    @Test
    void metadataLinkedFromOutsideTheRootIsNotRead() throws IOException {
        repo("outside", true, "p.xml", 7);
        Path elsewhere = tmp.resolve("elsewhere");
        Files.move(root().resolve("var/cache/zypp/raw/outside"), elsewhere);
        Files.createSymbolicLink(root().resolve("var/cache/zypp/raw/outside"), elsewhere);
        assertThat(ZyppRepositoryCache.offers(root(), NAME).offers()).isEmpty();
    }

    @Test
    void anAliasThatClimbsOutOfTheCacheIsRefused() throws IOException {
        Path reposD = Files.createDirectories(root().resolve("etc/zypp/repos.d"));
        Files.writeString(reposD.resolve("x.repo"), "[../../../../etc]\nenabled=1\n");
        ZyppRepositoryCache.Found found = ZyppRepositoryCache.offers(root(), NAME);
        assertThat(found.offers()).isEmpty();
        assertThat(found.problems()).singleElement().satisfies(p -> assertThat(p).contains("alias"));
    }

    @Test
    void anEntityInPrimaryIsRefused() throws IOException {
        repo("bomb", true, "p.xml", 2);
        Files.writeString(root().resolve("var/cache/zypp/raw/bomb/repodata/p.xml"),
                "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY a \"aaaa\">]><metadata>&a;</metadata>");
        ZyppRepositoryCache.Found found = ZyppRepositoryCache.offers(root(), NAME);
        assertThat(found.offers()).isEmpty();
        assertThat(found.problems()).singleElement().satisfies(p -> assertThat(p).contains("bomb"));
    }
}
