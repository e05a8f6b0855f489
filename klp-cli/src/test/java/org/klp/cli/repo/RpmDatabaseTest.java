package org.klp.cli.repo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What rpm prints is package authors' text: klp reads only what its own random markers delimit and checks every field. */
class RpmDatabaseTest {

    static final String M = "@klp-0123456789abcdef01234567@";

    static String pkg(String name, String version, String release, String arch, String... rest) {
        return M + "P\n" + name + "\n" + version + "\n" + release + "\n" + arch + "\n1732600000\n" + String.join("", rest) + M + "E\n";
    }

    @Test
    void readsPackagesWithTheirFilesAndChangelogs() {
        String out = pkg("kernel-livepatch-5_14_21-150500_55_49-default", "2", "2.1", "x86_64",
                M + "F/lib/modules/5.14.21-150500.55.49-default/livepatch/livepatch-2-2_1.ko\n",
                M + "C- Fix for CVE-2024-50115 (\"x\")\n  (bsc#1233019).\n")
                + pkg("kernel-livepatch-6_1_0-56-amd64", "3", "1", "x86_64");
        RpmDatabase.Query q = RpmDatabase.parse(out, M);
        assertThat(q.problems()).isEmpty();
        assertThat(q.packages()).hasSize(2);
        RpmDatabase.InstalledPackage p = q.packages().get(0);
        assertThat(p.nevra()).isEqualTo("kernel-livepatch-5_14_21-150500_55_49-default-2-2.1.x86_64");
        assertThat(p.files()).containsExactly("/lib/modules/5.14.21-150500.55.49-default/livepatch/livepatch-2-2_1.ko");
        assertThat(p.changelog()).containsExactly("- Fix for CVE-2024-50115 (\"x\")\n  (bsc#1233019).");
    }

    @Test
    void aChangelogCannotForgeAPackageWithoutTheRandomMarker() {
        String forged = "@klp-ffffffffffffffffffffffff@P\nkernel-livepatch-6_1_0-56-amd64\n99\n1\nx86_64\n1\n@klp-ffffffffffffffffffffffff@E\n";
        RpmDatabase.Query q = RpmDatabase.parse(pkg("kernel-livepatch-6_1_0-56-amd64", "2", "1", "x86_64", M + "C" + forged), M);
        assertThat(q.packages()).singleElement().satisfies(p -> assertThat(p.version()).isEqualTo("2"));
    }

    @Test
    void malformedFieldsAndTruncatedRecordsAreSkippedWithTheReason() {
        String out = pkg("evil name\u001b[2J", "2", "1", "x86_64") + pkg("kernel-livepatch-6_1_0-56-amd64", "2;rm", "1", "x86_64")
                + M + "P\nkernel-livepatch-6_1_0-56-amd64\n2\n1\nx86_64\n";
        RpmDatabase.Query q = RpmDatabase.parse(out, M);
        assertThat(q.packages()).isEmpty();
        assertThat(q.problems()).hasSize(2).allSatisfy(p -> assertThat(p).contains("malformed").doesNotContain("\u001b"));
    }
}
