package org.klp.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KernelReleaseTest {

    @ParameterizedTest
    @CsvSource({
            "5.14.21-150500.55.49-default, 5.14.21, 150500.55.49, default, 5_14_21-150500_55_49-default",
            "5.3.18-24.29-default, 5.3.18, 24.29, default, 5_3_18-24_29-default",
            "6.1.0-56-amd64, 6.1.0, 56, amd64, 6_1_0-56-amd64",
            "6.4.0-150600.23.7-rt, 6.4.0, 150600.23.7, rt, 6_4_0-150600_23_7-rt",
            "6.1.0-56-cloud-amd64, 6.1.0, 56, cloud-amd64, 6_1_0-56-cloud-amd64",
            "6.12.57+deb12-amd64, 6.12.57, +deb12, amd64, 6_12_57+deb12-amd64",
            "6.12.12+bpo-cloud-amd64, 6.12.12, +bpo, cloud-amd64, 6_12_12+bpo-cloud-amd64",
    })
    void parsesUnameStringsAndPrintsBothForms(String uname, String version, String release, String flavor, String packageForm) {
        KernelRelease k = KernelRelease.parse(uname);
        assertThat(k.version()).isEqualTo(version);
        assertThat(k.release()).isEqualTo(release);
        assertThat(k.flavor()).isEqualTo(flavor);
        assertThat(k.uname()).isEqualTo(uname);
        assertThat(k.packageForm()).isEqualTo(packageForm);
        assertThat(KernelRelease.parsePackageForm(packageForm)).isEqualTo(k);
        assertThat(KernelRelease.parseAny(packageForm)).isEqualTo(k);
        assertThat(KernelRelease.parseAny(uname)).isEqualTo(k);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "5.14.21", "5.14.21-default", "5.14.21-150500.55.49-", "-150500.55.49-default",
            "5.14.21-150500..49-default", "5.14.21-150500.55.49-Default", "five-1-default", "5.14.21-150500.55.49-default\nx",
            "5.14.21-15O500.55.49-default", "5.14.21_150500.55.49-default",
            "6.12.57+-amd64", "6.12.57+deb12", "6.12.57-+deb12-amd64", "6.12.57+Deb12-amd64", "6.12.57+deb-12-amd64"})
    void refusesMalformedReleasesNamingTheInput(String text) {
        assertThatThrownBy(() -> KernelRelease.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'")
                .hasMessageContaining("expected");
    }

    @Test
    void aReleaseParsedAgainIsTheSameValueAndARefusalStaysARefusal() {
        KernelRelease first = KernelRelease.parse(" 6.12.57+deb12-amd64\n");
        assertThat(KernelRelease.parse(" 6.12.57+deb12-amd64\n")).isEqualTo(first).isEqualTo(KernelRelease.parse("6.12.57+deb12-amd64"));
        assertThat(first.uname()).isEqualTo("6.12.57+deb12-amd64");
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> KernelRelease.parse("6.12.57+deb12-AMD64")).hasMessageContaining("Not a kernel release");
        }
    }

    @Test
    void refusesNull() {
        assertThatThrownBy(() -> KernelRelease.parse(null)).hasMessageContaining("null");
        assertThatThrownBy(() -> KernelRelease.parsePackageForm(null)).hasMessageContaining("null");
    }

    @Test
    void refusesMalformedPackageForm() {
        assertThatThrownBy(() -> KernelRelease.parsePackageForm("5.14.21-150500.55.49-default"))
                .hasMessageContaining("package form");
    }

    @Test
    void ordersReleasesNumericallyComponentByComponent() {
        List<KernelRelease> sorted = new ArrayList<>(List.of(
                KernelRelease.parse("5.14.21-150500.55.100-default"),
                KernelRelease.parse("5.14.21-150500.55.49-default"),
                KernelRelease.parse("5.3.18-24.29-default"),
                KernelRelease.parse("5.14.21-150500.55.9-default"),
                KernelRelease.parse("5.14.21-150500.55.49.1-default"),
                KernelRelease.parse("6.1.0-56-amd64")));
        sorted.sort(null);
        assertThat(sorted).extracting(KernelRelease::uname).containsExactly(
                "5.3.18-24.29-default",
                "5.14.21-150500.55.9-default",
                "5.14.21-150500.55.49-default",
                "5.14.21-150500.55.49.1-default",
                "5.14.21-150500.55.100-default",
                "6.1.0-56-amd64");
    }

    @Test
    void streamGroupsReleasesOfOneServicePack() {
        assertThat(KernelRelease.parse("5.14.21-150500.55.49-default").stream()).isEqualTo("5.14.21-150500-default");
        assertThat(KernelRelease.parse("5.14.21-150500.55.7-default").stream()).isEqualTo("5.14.21-150500-default");
        assertThat(KernelRelease.parse("6.1.0-56-amd64").stream()).isEqualTo("6.1.0-amd64");
        assertThat(KernelRelease.parse("6.12.57+deb12-amd64").stream()).isEqualTo("6.12+deb12-amd64");
        assertThat(KernelRelease.parse("6.12.118+deb12-amd64").stream()).isEqualTo("6.12+deb12-amd64");
    }

    @Test
    void ordersTaggedReleasesByVersion() {
        List<KernelRelease> sorted = new ArrayList<>(List.of(KernelRelease.parse("6.12.118+deb12-amd64"),
                KernelRelease.parse("6.12.57+deb12-amd64"), KernelRelease.parse("6.1.0-56-amd64")));
        sorted.sort(null);
        assertThat(sorted).extracting(KernelRelease::uname)
                .containsExactly("6.1.0-56-amd64", "6.12.57+deb12-amd64", "6.12.118+deb12-amd64");
        assertThat(KernelRelease.parse("6.12.57+deb12-amd64").versionRelease()).isEqualTo("6.12.57+deb12");
    }

    @Test
    void packageFormRoundTripsForAnyNumbers() {
        qt().forAll(integers().between(0, 99), integers().between(0, 999_999), integers().between(0, 999))
                .checkAssert((major, base, minor) -> {
                    KernelRelease k = new KernelRelease(major + ".1." + minor, base + "." + minor, "default");
                    assertThat(KernelRelease.parsePackageForm(k.packageForm())).isEqualTo(k);
                    assertThat(KernelRelease.parse(k.uname())).isEqualTo(k);
                });
    }
}
