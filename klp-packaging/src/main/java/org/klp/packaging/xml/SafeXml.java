package org.klp.packaging.xml;

import java.io.InputStream;
import javax.xml.XMLConstants;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import javax.xml.stream.util.StreamReaderDelegate;

/**
 * The one way klp reads XML (repository metadata from the network, above all): a StAX reader
 * with DTDs and external entities switched off, which in addition refuses any document that has
 * a DOCTYPE at all or refers to an entity other than the five predefined ones. rpm-md has no use
 * for either, so a document with them is hostile or broken: XXE (reading local files or URLs
 * through an external entity) and "billion laughs" entity expansion both fail before anything
 * is expanded, with a message naming the document.
 */
public final class SafeXml {

    private static final XMLInputFactory FACTORY = newFactory();

    private SafeXml() {
    }

    private static XMLInputFactory newFactory() {
        XMLInputFactory f = XMLInputFactory.newDefaultFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
        f.setProperty(XMLInputFactory.IS_COALESCING, true);
        trySet(f, XMLConstants.ACCESS_EXTERNAL_DTD, "");
        trySet(f, XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        return f;
    }

    private static void trySet(XMLInputFactory f, String property, Object value) {
        try {
            f.setProperty(property, value);
        } catch (IllegalArgumentException ignored) {
            // an implementation without the property: the DTD check below still refuses the document
        }
    }

    /**
     * A reader over {@code in} that throws {@link XmlRefusedException} on a DOCTYPE or an entity
     * reference; {@code source} names the document in messages.
     */
    public static XMLStreamReader reader(InputStream in, String source) {
        try {
            XMLStreamReader raw;
            synchronized (FACTORY) {
                raw = FACTORY.createXMLStreamReader(in);
            }
            return new StreamReaderDelegate(raw) {
                @Override
                public int next() throws XMLStreamException {
                    int event;
                    try {
                        event = super.next();
                    } catch (XMLStreamException e) {
                        throw refused(source, e);
                    }
                    if (event == XMLStreamConstants.DTD) {
                        throw new XmlRefusedException(source + " has a DOCTYPE declaration; klp refuses XML with DTDs or entities"
                                + " (external entities, entity expansion) — repository metadata never needs them");
                    }
                    if (event == XMLStreamConstants.ENTITY_REFERENCE) {
                        throw new XmlRefusedException(source + " refers to the entity &" + getLocalName()
                                + "; klp refuses XML with DTDs or entities");
                    }
                    return event;
                }
            };
        } catch (XMLStreamException e) {
            throw refused(source, e);
        }
    }

    static XmlRefusedException refused(String source, XMLStreamException e) {
        String msg = e.getMessage() == null ? "" : e.getMessage();
        if (msg.contains("DOCTYPE") || msg.contains("entity") || msg.contains("Entity")) {
            return new XmlRefusedException(source + " is refused: it uses DTDs or entities, which klp does not read ("
                    + firstLine(msg) + ")", e);
        }
        return new XmlRefusedException(source + " is not well-formed XML: " + firstLine(msg), e);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(nl + 1)).strip();
    }

    /** An attribute of the current element, or {@code fallback}. */
    public static String attribute(XMLStreamReader r, String name, String fallback) {
        String v = r.getAttributeValue(null, name);
        return v == null ? fallback : v;
    }
}
