package org.klp.packaging.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamReader;
import org.klp.packaging.repo.RepoMd;
import org.klp.packaging.xml.SafeXml;

/**
 * The content of an rpm-md repository as comparable values: per package id, what primary,
 * filelists and other say. Used to compare klp-pack's metadata with createrepo_c's.
 */
public final class RpmMdModel {

    /** Everything compared of one package. Dependencies as "kind name flags epoch:ver-rel pre". */
    public record Package(String pkgid, String name, String arch, String evr, String location, String sizes, String time,
                          String headerRange, String summary, String description, String license, String vendor, String group,
                          String buildhost, String sourcerpm, TreeSet<String> dependencies, List<String> primaryFiles,
                          List<String> files, List<String> changelogs) {
    }

    private RpmMdModel() {
    }

    public static Map<String, Package> read(Path repo) throws Exception {
        RepoMd md = RepoMd.parse(Files.readAllBytes(repo.resolve("repodata/repomd.xml")), "repomd.xml");
        Map<String, Map<String, Object>> primary = primary(open(repo, md.require("primary", "test").location()));
        Map<String, List<String>> files = perPackage(open(repo, md.require("filelists", "test").location()), "file");
        Map<String, List<String>> changelogs = perPackage(open(repo, md.require("other", "test").location()), "changelog");
        Map<String, Package> out = new TreeMap<>();
        for (var e : primary.entrySet()) {
            Map<String, Object> p = e.getValue();
            @SuppressWarnings("unchecked")
            TreeSet<String> deps = (TreeSet<String>) p.get("deps");
            @SuppressWarnings("unchecked")
            List<String> pf = (List<String>) p.get("files");
            out.put(e.getKey(), new Package(e.getKey(), s(p, "name"), s(p, "arch"), s(p, "version"), s(p, "location"), s(p, "size"),
                    s(p, "time"), s(p, "header-range"), s(p, "summary"), s(p, "description"), s(p, "license"), s(p, "vendor"),
                    s(p, "group"), s(p, "buildhost"), s(p, "sourcerpm"), deps, pf, files.getOrDefault(e.getKey(), List.of()),
                    changelogs.getOrDefault(e.getKey(), List.of())));
        }
        return out;
    }

    private static String s(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v == null ? "" : v.toString();
    }

    public static byte[] open(Path repo, String location) throws IOException {
        byte[] raw = Files.readAllBytes(repo.resolve(location));
        if (!location.endsWith(".gz")) {
            return raw;
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
            return in.readAllBytes();
        }
    }

    private static Map<String, Map<String, Object>> primary(byte[] xml) throws Exception {
        XMLStreamReader r = SafeXml.reader(new ByteArrayInputStream(xml), "primary");
        Map<String, Map<String, Object>> out = new TreeMap<>();
        Map<String, Object> cur = null;
        String depKind = null;
        while (r.hasNext()) {
            int e = r.next();
            if (e == XMLStreamConstants.START_ELEMENT) {
                String el = r.getLocalName();
                switch (el) {
                    case "package" -> {
                        cur = new TreeMap<>();
                        cur.put("deps", new TreeSet<String>());
                        cur.put("files", new ArrayList<String>());
                    }
                    case "version" -> cur.put("version", attr(r, "epoch") + ":" + attr(r, "ver") + "-" + attr(r, "rel"));
                    case "checksum" -> cur.put("pkgid", r.getElementText());
                    case "location" -> cur.put("location", attr(r, "href"));
                    case "size" -> cur.put("size", attr(r, "package") + "/" + attr(r, "installed") + "/" + attr(r, "archive"));
                    case "time" -> cur.put("time", attr(r, "file") + "/" + attr(r, "build"));
                    case "header-range" -> cur.put("header-range", attr(r, "start") + "-" + attr(r, "end"));
                    case "provides", "requires", "conflicts", "obsoletes", "suggests", "enhances", "recommends", "supplements" -> depKind = el;
                    case "entry" -> {
                        @SuppressWarnings("unchecked")
                        TreeSet<String> deps = (TreeSet<String>) cur.get("deps");
                        deps.add(depKind + " " + attr(r, "name") + " " + attr(r, "flags") + " " + attr(r, "epoch") + ":" + attr(r, "ver")
                                + "-" + attr(r, "rel") + " pre=" + attr(r, "pre"));
                    }
                    case "file" -> {
                        String type = attr(r, "type");
                        @SuppressWarnings("unchecked")
                        List<String> files = (List<String>) cur.get("files");
                        files.add(type + " " + r.getElementText());
                    }
                    case "name", "arch", "summary", "description", "license", "vendor", "group", "buildhost", "sourcerpm" ->
                            cur.put(el, r.getElementText());
                    default -> {
                    }
                }
            } else if (e == XMLStreamConstants.END_ELEMENT && r.getLocalName().equals("package")) {
                out.put((String) cur.get("pkgid"), cur);
            }
        }
        return out;
    }

    private static Map<String, List<String>> perPackage(byte[] xml, String element) throws Exception {
        XMLStreamReader r = SafeXml.reader(new ByteArrayInputStream(xml), element);
        Map<String, List<String>> out = new TreeMap<>();
        List<String> cur = null;
        while (r.hasNext()) {
            int e = r.next();
            if (e == XMLStreamConstants.START_ELEMENT) {
                if (r.getLocalName().equals("package")) {
                    cur = new ArrayList<>();
                    out.put(attr(r, "pkgid") + "", cur);
                } else if (r.getLocalName().equals(element)) {
                    String prefix = element.equals("file") ? attr(r, "type") : attr(r, "author") + " @" + attr(r, "date");
                    cur.add(prefix + " " + r.getElementText());
                }
            }
        }
        return out;
    }

    private static String attr(XMLStreamReader r, String name) {
        String v = r.getAttributeValue(null, name);
        return v == null ? "" : v;
    }
}
