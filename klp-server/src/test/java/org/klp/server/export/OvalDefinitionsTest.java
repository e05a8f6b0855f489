package org.klp.server.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.klp.core.audit.AffectedStream;
import org.klp.core.audit.CatalogKernel;
import org.klp.core.audit.CveRecord;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.FixCategory;
import org.klp.core.patch.LivePatchPackage;
import org.klp.core.scope.ScopePolicy;

/**
 * The OVAL export on its own: a catalog given by hand, host folders written by hand, and the real
 * {@code oscap} deciding. One behaviour of the criteria per test; {@code OvalAgreementTest} holds the
 * whole against klp's audit on hosts the real klp set up.
 */
class OvalDefinitionsTest {

    static final String STREAM = "5.14.21-150500-default";
    static final KernelRelease K49 = KernelRelease.parse("5.14.21-150500.55.49-default");
    static final String PKG = LivePatchPackage.packageName(K49);
    static final String A = "CVE-2024-1086";
    static final String B = "CVE-2024-36971";
    static final String NOT_LIVE_PATCHABLE = "CVE-2024-26581";
    static final String INTRODUCED_LATER = "CVE-2024-41009";
    static final String OTHER_STREAM = "CVE-2024-50115";
    static final String DEBIAN = "CVE-2024-53104";

    @TempDir
    static Path dir;
    static Path oval;

    @BeforeAll
    static void render() throws Exception {
        oval = dir.resolve("klp.oval.xml");
        Files.writeString(oval, OvalDefinitions.render(catalog()));
    }

    static ExportCatalog catalog() {
        Fix a = Fix.security(A, 7.8, "netfilter: nf_tables: use-after-free in nft_verdict_init");
        Fix b = Fix.security(B, 7.8, "net: use-after-free in __dst_negative_advice");
        LocalDate released = LocalDate.of(2025, 2, 1);
        ExportKernel k49 = new ExportKernel(new CatalogKernel(K49, released, released.plusYears(1)), "x86_64", "sle-module-live-patching/15.5/x86_64",
                "SUSE Linux Enterprise Live Patching 15 SP5 x86_64", "sles", List.of(
                shipped(1, List.of()), shipped(2, List.of(a)), shipped(3, List.of(a, b))));
        KernelRelease k65 = KernelRelease.parse("5.14.21-150500.55.65-default");
        List<CveRecord> cves = List.of(
                cve(A, true, AffectedStream.fixedIn(k65)),
                cve(B, true, AffectedStream.fixedIn(k65)),
                cve(NOT_LIVE_PATCHABLE, false, AffectedStream.fixedIn(k65)),
                cve(INTRODUCED_LATER, true, new AffectedStream(STREAM, KernelRelease.parse("5.14.21-150500.55.52-default"),
                        KernelRelease.parse("5.14.21-150500.55.100-default"))),
                cve(OTHER_STREAM, true, AffectedStream.unfixed("6.4.0-150600-default")),
                cve(DEBIAN, true, AffectedStream.fixedIn(KernelRelease.parse("6.1.0-57-amd64"))));
        return new ExportCatalog(Instant.parse("2025-06-01T10:00:00Z"), "test", Set.of(STREAM, "6.4.0-150600-default", "6.1.0-amd64"),
                List.of(k49), cves, ScopePolicy.DEFAULT);
    }

    static ShippedLivePatch shipped(int version, List<Fix> fixes) {
        return new ShippedLivePatch(new LivePatchPackage(K49, version, LocalDate.of(2025, 3, version), fixes, List.of()), "klp_lp_" + version);
    }

    static CveRecord cve(String id, boolean livePatchPossible, AffectedStream affected) {
        return new CveRecord(id, 7.8, "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "summary of " + id, LocalDate.of(2024, 6, 1),
                FixCategory.SECURITY, livePatchPossible, List.of(affected));
    }

    static String def(String cve) {
        return OvalDefinitions.definitionId(cve);
    }

    private Map<String, Boolean> scan(HostFolder host) {
        return Oscap.evaluate(oval, host.root, host.root.getParent().resolve(host.root.getFileName() + "-scan"));
    }

    private HostFolder host(String name, String release) throws Exception {
        return new HostFolder(Files.createDirectories(dir.resolve(name)), release);
    }

    @Test
    void theDocumentIsValidOval511WithOneDefinitionPerCveIdentifiedAsSuseDoes() throws Exception {
        Oscap.validate(oval);
        String xml = Files.readString(oval);
        assertThat(xml).contains("id=\"oval:org.klp:def:20241086\"").contains("class=\"vulnerability\"")
                .contains("<reference ref_id=\"CVE-2024-1086\" ref_url=\"https://www.cve.org/CVERecord?id=CVE-2024-1086\" source=\"CVE\"/>")
                .contains("<platform>SUSE Linux Enterprise Live Patching 15 SP5 x86_64</platform>");
        assertThat(xml.split("<definition ", -1)).hasSize(7);
    }

    @Test
    void aLoadedLivePatchCarryingTheFixWithItsTransitionCompleteMakesTheHostSafe() throws Exception {
        HostFolder h = host("loaded", K49.uname()).installed(PKG, 3, dir).patch("klp_lp_3", true, false);
        Map<String, Boolean> r = scan(h);
        assertThat(r).containsEntry(def(A), false).containsEntry(def(B), false);
    }

    @Test
    void aLoadedVersionOlderThanTheCarryingOneLeavesThatCveOpen() throws Exception {
        HostFolder h = host("older", K49.uname()).installed(PKG, 2, dir).patch("klp_lp_2", true, false);
        assertThat(scan(h)).containsEntry(def(A), false).containsEntry(def(B), true);
    }

    @Test
    void anInstalledPackageWhoseModuleIsNotLoadedIsNotAFix() throws Exception {
        HostFolder h = host("installed", K49.uname()).installed(PKG, 3, dir).patch("klp_lp_1", true, false);
        assertThat(scan(h)).containsEntry(def(A), true).containsEntry(def(B), true);
    }

    @Test
    void aLoadedModuleWithoutItsPackageInstalledIsNotTrusted() throws Exception {
        HostFolder h = host("no-package", K49.uname()).patch("klp_lp_3", true, false);
        assertThat(scan(h)).containsEntry(def(A), true);
    }

    @Test
    void aTransitionUnderWayLeavesTheHostExposed() throws Exception {
        HostFolder h = host("transition", K49.uname()).installed(PKG, 3, dir).patch("klp_lp_3", true, true);
        assertThat(scan(h)).containsEntry(def(A), true).containsEntry(def(B), true);
    }

    @Test
    void aTransitionForcedInThisBootLeavesTheHostExposed() throws Exception {
        HostFolder h = host("forced", K49.uname()).installed(PKG, 3, dir).patch("klp_lp_3", true, false);
        h.hostRecord("held=klp_lp_2", "reboot.reason=a forced transition: tasks may still run replaced code", "reboot.boot=" + h.bootId());
        assertThat(scan(h)).containsEntry(def(A), true);
    }

    @Test
    void aTransitionForcedInAnEarlierBootNoLongerCounts() throws Exception {
        HostFolder h = host("forced-before", K49.uname()).installed(PKG, 3, dir).patch("klp_lp_3", true, false);
        h.hostRecord("held=klp_lp_2", "reboot.boot=0b0c3f7e-0000-4000-8000-000000000000");
        assertThat(scan(h)).containsEntry(def(A), false);
    }

    @Test
    void aFixNoLivePatchCanCarryIsOpenWhateverIsLoaded() throws Exception {
        HostFolder h = host("not-patchable", K49.uname()).installed(PKG, 3, dir).patch("klp_lp_3", true, false);
        assertThat(scan(h)).containsEntry(def(NOT_LIVE_PATCHABLE), true);
    }

    @Test
    void aKernelWithTheFixIsSafeAndReleasesCompareAsNumbersNotText() throws Exception {
        assertThat(scan(host("k65", "5.14.21-150500.55.65-default"))).containsEntry(def(A), false).containsEntry(def(NOT_LIVE_PATCHABLE), false)
                .containsEntry(def(INTRODUCED_LATER), true);
        assertThat(scan(host("k100", "5.14.21-150500.55.100-default"))).containsEntry(def(A), false).containsEntry(def(INTRODUCED_LATER), false);
        assertThat(scan(host("k9", "5.14.21-150500.55.9-default"))).containsEntry(def(A), true);
    }

    @Test
    void aKernelBeforeTheFlawWasIntroducedOrOfAnotherStreamIsNotAffected() throws Exception {
        Map<String, Boolean> r = scan(host("k49", K49.uname()));
        assertThat(r).containsEntry(def(INTRODUCED_LATER), false).containsEntry(def(OTHER_STREAM), false).containsEntry(def(DEBIAN), false);
        assertThat(scan(host("sp6", "6.4.0-150600.23.25-default"))).containsEntry(def(OTHER_STREAM), true).containsEntry(def(A), false);
    }

    @Test
    void streamsWithoutADotInTheirReleaseAreMatchedByTheirAbiNumber() throws Exception {
        assertThat(scan(host("deb56", "6.1.0-56-amd64"))).containsEntry(def(DEBIAN), true);
        assertThat(scan(host("deb57", "6.1.0-57-amd64"))).containsEntry(def(DEBIAN), false);
        assertThat(scan(host("deb56x", "6.1.0-56.1-amd64"))).containsEntry(def(DEBIAN), false);
    }
}
