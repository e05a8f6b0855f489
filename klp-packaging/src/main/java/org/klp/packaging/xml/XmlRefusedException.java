package org.klp.packaging.xml;

/** An XML document klp will not read: a DOCTYPE, entity declarations or references (XXE, entity expansion), or malformed XML. */
public final class XmlRefusedException extends IllegalArgumentException {

    public XmlRefusedException(String message) {
        super(message);
    }

    public XmlRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
