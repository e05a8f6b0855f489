package org.klp.packaging.repo;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.klp.packaging.xml.SafeXml;
import org.klp.packaging.xml.XmlRefusedException;

import static org.klp.packaging.xml.XmlText.escape;

/**
 * {@code repodata/repomd.xml}: the index of a repository's metadata files, each with the SHA-256
 * of its compressed ({@code checksum}) and uncompressed ({@code open-checksum}) form. Signing this
 * one file ({@code repomd.xml.asc}) vouches for every other: a client checks the signature, then
 * every file against its checksum here, then every package against its checksum in primary.
 */
public record RepoMd(long revision, List<Data> data) {

    /** One metadata file. {@code openChecksum} and {@code openSize} are empty/-1 for uncompressed files. */
    public record Data(String type, String checksum, String openChecksum, String location, long timestamp, long size, long openSize) {
    }

    public RepoMd {
        data = List.copyOf(data);
    }

    public Optional<Data> find(String type) {
        return data.stream().filter(d -> d.type().equals(type)).findFirst();
    }

    public Data require(String type, String source) {
        return find(type).orElseThrow(() -> new IllegalArgumentException(source + " lists no " + type + " metadata"));
    }

    public String write() {
        StringBuilder x = new StringBuilder(2048);
        x.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.append("<repomd xmlns=\"http://linux.duke.edu/metadata/repo\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\">\n");
        x.append("  <revision>").append(revision).append("</revision>\n");
        for (Data d : data) {
            x.append("  <data type=\"").append(escape(d.type())).append("\">\n");
            x.append("    <checksum type=\"sha256\">").append(d.checksum()).append("</checksum>\n");
            if (!d.openChecksum().isEmpty()) {
                x.append("    <open-checksum type=\"sha256\">").append(d.openChecksum()).append("</open-checksum>\n");
            }
            x.append("    <location href=\"").append(escape(d.location())).append("\"/>\n");
            x.append("    <timestamp>").append(d.timestamp()).append("</timestamp>\n");
            x.append("    <size>").append(d.size()).append("</size>\n");
            if (d.openSize() >= 0) {
                x.append("    <open-size>").append(d.openSize()).append("</open-size>\n");
            }
            x.append("  </data>\n");
        }
        x.append("</repomd>\n");
        return x.toString();
    }

    /**
     * Reads repomd.xml with the hardened parser; only SHA-256 checksums are accepted.
     *
     * @throws XmlRefusedException for DTDs, entities or malformed XML
     * @throws IllegalArgumentException for missing or weak checksums
     */
    public static RepoMd parse(byte[] xml, String source) {
        XMLStreamReader r = SafeXml.reader(new ByteArrayInputStream(xml), source);
        long revision = 0;
        List<Data> out = new ArrayList<>();
        try {
            boolean root = false;
            while (r.hasNext()) {
                int e = r.next();
                if (e != XMLStreamConstants.START_ELEMENT) {
                    continue;
                }
                String name = r.getLocalName();
                if (!root) {
                    if (!name.equals("repomd")) {
                        throw new IllegalArgumentException(source + " is not repomd.xml (root element <" + name + ">)");
                    }
                    root = true;
                } else if (name.equals("revision")) {
                    String text = r.getElementText().strip();
                    try {
                        revision = Long.parseLong(text);
                    } catch (NumberFormatException ex) {
                        revision = 0;
                    }
                } else if (name.equals("data")) {
                    out.add(readData(r, source));
                }
            }
        } catch (XMLStreamException e) {
            throw new XmlRefusedException(source + " is not well-formed XML: " + e.getMessage(), e);
        }
        return new RepoMd(revision, out);
    }

    private static Data readData(XMLStreamReader r, String source) throws XMLStreamException {
        String type = SafeXml.attribute(r, "type", "");
        String checksum = null;
        String open = "";
        String location = null;
        long timestamp = 0;
        long size = -1;
        long openSize = -1;
        while (r.hasNext()) {
            int e = r.next();
            if (e == XMLStreamConstants.END_ELEMENT && r.getLocalName().equals("data")) {
                break;
            }
            if (e != XMLStreamConstants.START_ELEMENT) {
                continue;
            }
            switch (r.getLocalName()) {
                case "checksum" -> {
                    requireSha256(r, type, source);
                    checksum = r.getElementText().strip();
                }
                case "open-checksum" -> {
                    requireSha256(r, type, source);
                    open = r.getElementText().strip();
                }
                case "location" -> location = SafeXml.attribute(r, "href", null);
                case "timestamp" -> timestamp = number(r.getElementText(), type, source);
                case "size" -> size = number(r.getElementText(), type, source);
                case "open-size" -> openSize = number(r.getElementText(), type, source);
                default -> {
                    // database_version, header-checksum, …: not needed
                }
            }
        }
        if (checksum == null || location == null || !checksum.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException(source + ": the " + type + " entry lacks a SHA-256 checksum or a location");
        }
        if (location.startsWith("/") || location.contains("..") || location.contains("://")) {
            throw new IllegalArgumentException(source + ": the " + type + " entry points outside the repository: " + location);
        }
        return new Data(type, checksum, open, location, timestamp, size, openSize);
    }

    private static void requireSha256(XMLStreamReader r, String type, String source) {
        String t = SafeXml.attribute(r, "type", "");
        if (!t.equals("sha256")) {
            throw new IllegalArgumentException(source + ": the " + type + " entry uses a '" + t + "' checksum; klp accepts sha256 only");
        }
    }

    private static long number(String text, String type, String source) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + ": the " + type + " entry has a malformed number '" + text + "'");
        }
    }
}
