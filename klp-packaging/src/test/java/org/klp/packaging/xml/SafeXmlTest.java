package org.klp.packaging.xml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamReader;
import org.junit.jupiter.api.Test;
import org.klp.packaging.repo.RepoMd;

class SafeXmlTest {

    static void readAll(String xml) throws Exception {
        XMLStreamReader r = SafeXml.reader(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)), "test.xml");
        while (r.hasNext()) {
            r.next();
        }
    }

    @Test
    void externalEntityIsRefused() {
        assertThatThrownBy(() -> readAll("<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>"))
                .isInstanceOf(XmlRefusedException.class).hasMessageContaining("test.xml").hasMessageContaining("DOCTYPE");
    }

    @Test
    void billionLaughsIsRefusedBeforeExpansion() {
        String lol = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
                + "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">]><lolz>&lol2;</lolz>";
        assertThatThrownBy(() -> readAll(lol)).isInstanceOf(XmlRefusedException.class).hasMessageContaining("DTDs or entities");
    }

    @Test
    void externalDtdIsRefused() {
        assertThatThrownBy(() -> readAll("<?xml version=\"1.0\"?><!DOCTYPE a SYSTEM \"http://127.0.0.1:1/x.dtd\"><a/>"))
                .isInstanceOf(XmlRefusedException.class);
    }

    @Test
    void undeclaredEntityIsRefused() {
        assertThatThrownBy(() -> readAll("<a>&undeclared;</a>")).isInstanceOf(XmlRefusedException.class);
    }

    @Test
    void predefinedEntitiesAndPlainXmlRead() throws Exception {
        XMLStreamReader r = SafeXml.reader(new ByteArrayInputStream("<a x=\"&quot;\">1 &lt; 2 &amp;&amp; 3 &gt; 2</a>".getBytes(StandardCharsets.UTF_8)), "t");
        assertThat(r.next()).isEqualTo(XMLStreamConstants.START_ELEMENT);
        assertThat(r.getAttributeValue(null, "x")).isEqualTo("\"");
        assertThat(r.getElementText()).isEqualTo("1 < 2 && 3 > 2");
    }

    @Test
    void malformedXmlSaysSo() {
        assertThatThrownBy(() -> RepoMd.parse("<repomd><data".getBytes(StandardCharsets.UTF_8), "repomd.xml of x"))
                .isInstanceOf(XmlRefusedException.class).hasMessageContaining("repomd.xml of x");
    }

    @Test
    void escapeRoundTrips() throws Exception {
        String nasty = "a<b>&\"c\u0001";
        XMLStreamReader r = SafeXml.reader(new ByteArrayInputStream(("<a>" + XmlText.escape(nasty) + "</a>").getBytes(StandardCharsets.UTF_8)), "t");
        r.next();
        assertThat(r.getElementText()).isEqualTo("a<b>&\"c");
    }
}
