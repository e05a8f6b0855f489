package org.klp.packaging.repo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.klp.packaging.record.PatchRecord;
import org.klp.packaging.record.PatchRecordJson;
import org.klp.packaging.rpm.LivePatchRpm;
import org.klp.packaging.rpm.RpmHeader;
import org.klp.packaging.rpm.RpmPackage;
import org.klp.packaging.rpm.RpmTags;

import static org.klp.packaging.xml.XmlText.escape;

/**
 * What a repository keeps of one package file: its identity, and its three rpm-md fragments
 * ({@code <package>} elements of primary, filelists and other) rendered once, when the file is
 * first read. Publishing a repository concatenates fragments; only new or changed files are read
 * (see {@link PublishCache}).
 *
 * <p>The fragments follow what {@code createrepo_c} writes: dependencies split into epoch,
 * version and release at the first ':' and '-', {@code rpmlib(…)} requirements dropped,
 * {@code pre="1"} on requirements of install-time scriptlets, only "primary" files ({@code /etc/…},
 * {@code …bin/…}) in primary, changelogs oldest first and at most the newest ten.
 *
 * @param recordJson     the patch record a live patch package ships, as compact JSON (empty for other packages)
 * @param kernelReleased the record's kernel release date (ISO), empty when unknown or not a live patch
 * @param updateBasis    the package id of version N-1 that {@code updateXml} was computed against
 *                       ("-" for none); empty when not computed yet
 * @param updateXml      this live patch release's {@code <update>} element of updateinfo (empty for
 *                       the initial patch and other packages)
 */
public record PackageEntry(String location, long size, long mtimeMillis, String pkgid, String name, long epoch,
                           String version, String release, String arch, String sourceRpm,
                           byte[] primaryXml, byte[] filelistsXml, byte[] otherXml, byte[] recordJson,
                           String kernelReleased, String updateBasis, byte[] updateXml) {

    // The fragments are kept as UTF-8 bytes: a publish copies them into documents as they are, and
    // the cache stores them as they are, so most of the metadata is never decoded or encoded again.

    /** This entry with its updateinfo element computed against version N-1 {@code basis}. */
    public PackageEntry withUpdate(String basis, String xml) {
        return new PackageEntry(location, size, mtimeMillis, pkgid, name, epoch, version, release, arch, sourceRpm, primaryXml,
                filelistsXml, otherXml, recordJson, kernelReleased, basis, xml.getBytes(StandardCharsets.UTF_8));
    }

    static final int CHANGELOG_LIMIT = 10;

    private static final int SENSE_LESS = 1 << 1;
    private static final int SENSE_GREATER = 1 << 2;
    private static final int SENSE_EQUAL = 1 << 3;
    private static final int SENSE_POSTTRANS = 1 << 5;
    private static final int SENSE_PREREQ = 1 << 6;
    private static final int SENSE_PRETRANS = 1 << 7;
    private static final int SENSE_SCRIPT_PRE = 1 << 9;
    private static final int SENSE_SCRIPT_POST = 1 << 10;
    private static final int SENSE_RPMLIB = 1 << 24;
    private static final int SENSE_KEYRING = 1 << 26;
    private static final int INSTALL_ONLY = SENSE_SCRIPT_PRE | SENSE_SCRIPT_POST | SENSE_RPMLIB | SENSE_KEYRING | SENSE_PRETRANS | SENSE_POSTTRANS;
    private static final int ALL_REQUIRES = SENSE_PREREQ | INSTALL_ONLY | (1 << 8) | (1 << 11) | (1 << 12) | (1 << 13)
            | (1 << 14) | (1 << 15) | (1 << 27);

    /** The patch record of a live patch package, or null. */
    public PatchRecord record() {
        return recordJson.length == 0 ? null : PatchRecordJson.read(new String(recordJson, StandardCharsets.UTF_8), location);
    }

    public boolean isLivePatch() {
        return recordJson.length > 0;
    }

    /** Reads a package: checks its digests, renders its fragments, extracts its patch record. */
    public static PackageEntry of(RpmPackage rpm, String location, long mtimeMillis) {
        rpm.verifyDigests();
        RpmHeader h = rpm.header();
        String pkgid = rpm.sha256();
        String name = rpm.name();
        String arch = rpm.arch();
        String evr = "<version epoch=\"" + rpm.epoch() + "\" ver=\"" + escape(rpm.version()) + "\" rel=\"" + escape(rpm.release()) + "\"/>";
        String sourceRpm = h.stringOr(RpmTags.SOURCERPM, "");
        List<String> files = rpm.files();
        long[] modes = h.numbers(RpmTags.FILEMODES);
        long[] flags = h.numbers(RpmTags.FILEFLAGS);

        StringBuilder p = new StringBuilder(2048);
        p.append("<package type=\"rpm\">\n");
        p.append("  <name>").append(escape(name)).append("</name>\n");
        p.append("  <arch>").append(escape(arch)).append("</arch>\n");
        p.append("  ").append(evr).append('\n');
        p.append("  <checksum type=\"sha256\" pkgid=\"YES\">").append(pkgid).append("</checksum>\n");
        p.append("  <summary>").append(escape(h.stringOr(RpmTags.SUMMARY, ""))).append("</summary>\n");
        p.append("  <description>").append(escape(h.stringOr(RpmTags.DESCRIPTION, ""))).append("</description>\n");
        p.append("  <packager>").append(escape(h.stringOr(RpmTags.PACKAGER, ""))).append("</packager>\n");
        p.append("  <url>").append(escape(h.stringOr(RpmTags.URL, ""))).append("</url>\n");
        p.append("  <time file=\"").append(mtimeMillis / 1000).append("\" build=\"").append(h.number(RpmTags.BUILDTIME).orElse(0L)).append("\"/>\n");
        long installed = h.number(RpmTags.LONGSIZE).orElseGet(() -> h.number(RpmTags.SIZE).orElse(0L));
        long archive = rpm.signatureHeader().number(RpmTags.SIG_LONGARCHIVESIZE)
                .orElseGet(() -> rpm.signatureHeader().number(RpmTags.SIG_PAYLOADSIZE).orElseGet(() -> h.number(RpmTags.ARCHIVESIZE).orElse(0L)));
        p.append("  <size package=\"").append(rpm.fileSize()).append("\" installed=\"").append(installed)
                .append("\" archive=\"").append(archive).append("\"/>\n");
        p.append("  <location href=\"").append(escape(location)).append("\"/>\n");
        p.append("  <format>\n");
        p.append("    <rpm:license>").append(escape(h.stringOr(RpmTags.LICENSE, ""))).append("</rpm:license>\n");
        p.append("    <rpm:vendor>").append(escape(h.stringOr(RpmTags.VENDOR, ""))).append("</rpm:vendor>\n");
        p.append("    <rpm:group>").append(escape(h.stringOr(RpmTags.GROUP, ""))).append("</rpm:group>\n");
        p.append("    <rpm:buildhost>").append(escape(h.stringOr(RpmTags.BUILDHOST, ""))).append("</rpm:buildhost>\n");
        p.append("    <rpm:sourcerpm>").append(escape(sourceRpm)).append("</rpm:sourcerpm>\n");
        p.append("    <rpm:header-range start=\"").append(rpm.headerStart()).append("\" end=\"").append(rpm.headerEnd()).append("\"/>\n");
        List<String[]> provides = deps(h, RpmTags.PROVIDENAME, RpmTags.PROVIDEFLAGS, RpmTags.PROVIDEVERSION);
        dependencies(p, "provides", provides, null, false);
        dependencies(p, "requires", deps(h, RpmTags.REQUIRENAME, RpmTags.REQUIREFLAGS, RpmTags.REQUIREVERSION), provides, true);
        dependencies(p, "conflicts", deps(h, RpmTags.CONFLICTNAME, RpmTags.CONFLICTFLAGS, RpmTags.CONFLICTVERSION), null, false);
        dependencies(p, "obsoletes", deps(h, RpmTags.OBSOLETENAME, RpmTags.OBSOLETEFLAGS, RpmTags.OBSOLETEVERSION), null, false);
        dependencies(p, "suggests", deps(h, RpmTags.SUGGESTNAME, RpmTags.SUGGESTFLAGS, RpmTags.SUGGESTVERSION), null, false);
        dependencies(p, "enhances", deps(h, RpmTags.ENHANCENAME, RpmTags.ENHANCEFLAGS, RpmTags.ENHANCEVERSION), null, false);
        dependencies(p, "recommends", deps(h, RpmTags.RECOMMENDNAME, RpmTags.RECOMMENDFLAGS, RpmTags.RECOMMENDVERSION), null, false);
        dependencies(p, "supplements", deps(h, RpmTags.SUPPLEMENTNAME, RpmTags.SUPPLEMENTFLAGS, RpmTags.SUPPLEMENTVERSION), null, false);

        StringBuilder fl = new StringBuilder(512);
        fl.append("<package pkgid=\"").append(pkgid).append("\" name=\"").append(escape(name)).append("\" arch=\"").append(escape(arch)).append("\">\n");
        fl.append("  ").append(evr).append('\n');
        for (int i = 0; i < files.size(); i++) {
            String f = files.get(i);
            String type = i < flags.length && (flags[i] & RpmTags.FILE_GHOST) != 0 ? " type=\"ghost\""
                    : i < modes.length && (modes[i] & 0170000) == 0040000 ? " type=\"dir\"" : "";
            String line = "<file" + type + ">" + escape(f) + "</file>\n";
            fl.append("  ").append(line);
            if (isPrimaryFile(f)) {
                p.append("    ").append(line);
            }
        }
        fl.append("</package>\n");
        p.append("  </format>\n</package>\n");

        StringBuilder o = new StringBuilder(1024);
        o.append("<package pkgid=\"").append(pkgid).append("\" name=\"").append(escape(name)).append("\" arch=\"").append(escape(arch)).append("\">\n");
        o.append("  ").append(evr).append('\n');
        long[] times = h.numbers(RpmTags.CHANGELOGTIME);
        List<String> authors = h.strings(RpmTags.CHANGELOGNAME);
        List<String> texts = h.strings(RpmTags.CHANGELOGTEXT);
        int n = Math.min(Math.min(times.length, authors.size()), Math.min(texts.size(), CHANGELOG_LIMIT));
        for (int i = n - 1; i >= 0; i--) {
            o.append("  <changelog author=\"").append(escape(authors.get(i))).append("\" date=\"").append(times[i]).append("\">")
                    .append(escape(texts.get(i))).append("</changelog>\n");
        }
        o.append("</package>\n");

        String record = "";
        String kernelReleased = "";
        if (org.klp.core.patch.LivePatchPackage.isLivePatchName(name)) {
            PatchRecord r = PatchRecordJson.read(LivePatchRpm.recordJsonOf(rpm),
                    location + ":/usr/share/klp/patches/" + name + "-" + rpm.version() + ".json");
            record = PatchRecordJson.writeCompact(r);
            if (!r.livePatch().name().equals(name) || !Integer.toString(r.livePatch().version()).equals(rpm.version())) {
                throw new org.klp.packaging.rpm.RpmFormatException(location + " is " + rpm.nevra() + " but its patch record describes "
                        + r.livePatch().nameVersion());
            }
            kernelReleased = r.kernelReleased() == null ? "" : r.kernelReleased().toString();
        }
        return new PackageEntry(location, rpm.fileSize(), mtimeMillis, pkgid, name, rpm.epoch(), rpm.version(), rpm.release(), arch,
                sourceRpm, utf8(p), utf8(fl), utf8(o), record.getBytes(StandardCharsets.UTF_8), kernelReleased, "", new byte[0]);
    }

    private static byte[] utf8(CharSequence s) {
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    static boolean isPrimaryFile(String f) {
        return f.startsWith("/etc/") || f.equals("/usr/lib/sendmail") || f.contains("bin/");
    }

    private static List<String[]> deps(RpmHeader h, int nameTag, int flagsTag, int versionTag) {
        List<String> names = h.strings(nameTag);
        long[] flags = h.numbers(flagsTag);
        List<String> versions = h.strings(versionTag);
        List<String[]> out = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            out.add(new String[] {names.get(i), Long.toString(i < flags.length ? flags[i] : 0), i < versions.size() ? versions.get(i) : ""});
        }
        return out;
    }

    private static void dependencies(StringBuilder p, String element, List<String[]> deps, List<String[]> provides, boolean requires) {
        List<String> seen = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        for (String[] d : deps) {
            String name = d[0];
            int flags = (int) Long.parseLong(d[1]);
            String version = d[2];
            if (requires && name.startsWith("rpmlib(")) {
                continue;
            }
            if (requires && provides != null && providedBySelf(d, provides)) {
                continue;
            }
            boolean pre = requires && ((flags & INSTALL_ONLY) != 0 || (flags & ALL_REQUIRES) == SENSE_PREREQ);
            String key = name + "\0" + (flags & (SENSE_LESS | SENSE_GREATER | SENSE_EQUAL)) + "\0" + version + "\0" + pre;
            if (seen.contains(key)) {
                continue;
            }
            seen.add(key);
            body.append("      <rpm:entry name=\"").append(escape(name)).append('"');
            String op = operator(flags);
            if (op != null && !version.isEmpty()) {
                body.append(" flags=\"").append(op).append('"');
                evr(body, version);
            }
            if (pre) {
                body.append(" pre=\"1\"");
            }
            body.append("/>\n");
        }
        if (body.length() > 0) {
            p.append("    <rpm:").append(element).append(">\n").append(body).append("    </rpm:").append(element).append(">\n");
        }
    }

    private static boolean providedBySelf(String[] req, List<String[]> provides) {
        for (String[] p : provides) {
            if (p[0].equals(req[0]) && p[2].equals(req[2])
                    && (Long.parseLong(p[1]) & 0xE) == (Long.parseLong(req[1]) & 0xE)) {
                return true;
            }
        }
        return false;
    }

    private static String operator(int flags) {
        return switch (flags & (SENSE_LESS | SENSE_GREATER | SENSE_EQUAL)) {
            case SENSE_EQUAL -> "EQ";
            case SENSE_LESS -> "LT";
            case SENSE_GREATER -> "GT";
            case SENSE_LESS | SENSE_EQUAL -> "LE";
            case SENSE_GREATER | SENSE_EQUAL -> "GE";
            default -> null;
        };
    }

    /** Splits {@code [epoch:]version[-release]} at the first ':' and the first '-', as createrepo_c does. */
    private static void evr(StringBuilder out, String evr) {
        String epoch = "0";
        String rest = evr;
        int colon = evr.indexOf(':');
        if (colon > 0 && evr.substring(0, colon).chars().allMatch(Character::isDigit)) {
            epoch = evr.substring(0, colon);
            rest = evr.substring(colon + 1);
        }
        int dash = rest.indexOf('-');
        out.append(" epoch=\"").append(escape(epoch)).append('"');
        if (dash >= 0) {
            out.append(" ver=\"").append(escape(rest.substring(0, dash))).append("\" rel=\"").append(escape(rest.substring(dash + 1))).append('"');
        } else {
            out.append(" ver=\"").append(escape(rest)).append('"');
        }
    }

    /** {@code name-version-release.arch}. */
    public String nevra() {
        return name + "-" + (epoch > 0 ? epoch + ":" : "") + version + "-" + release + "." + arch;
    }

    @Override
    public String toString() {
        return location + " (" + nevra() + ")";
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
