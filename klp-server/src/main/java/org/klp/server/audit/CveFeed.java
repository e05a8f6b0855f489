package org.klp.server.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.klp.core.audit.AffectedStream;
import org.klp.core.audit.CveRecord;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.FixCategory;
import org.klp.server.api.ApiException;
import org.klp.server.api.JsonCodec;
import org.klp.server.service.InvalidInput;
import org.klp.server.service.Printable;
import org.klp.server.service.Quote;

/**
 * The CVE feed: JSON Lines, one CVE record per line, so that a refusal names its line and one bad
 * record does not hide the others. Blank lines are skipped. A line:
 *
 * <pre>{@code
 * {"id": "CVE-2024-1086", "cvss": 7.8, "vector": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
 *  "summary": "netfilter: nf_tables: use-after-free in nft_verdict_init", "published": "2024-01-31",
 *  "category": "security", "livePatchPossible": true,
 *  "affected": [{"fixedIn": "5.14.21-150500.55.65-default"}, {"stream": "6.4.0-150600-default"}]}
 * }</pre>
 *
 * <ul>
 *   <li>{@code id}, {@code cvss} (CVSS v3 base score, one decimal), {@code published} (date) and
 *       {@code affected} are required; {@code vector} (CVSS v3), {@code summary} (clipped to
 *       {@value #MAX_SUMMARY} characters), {@code category} ({@code security} by default,
 *       {@code stability}, {@code data-corruption}, {@code other}) and {@code livePatchPossible}
 *       (false when the fix changes kernel data structures; true by default) are optional.</li>
 *   <li>{@code affected}: the kernel streams with the flaw ({@code []}: none). Each entry names its
 *       {@code stream} (as {@code KernelRelease.stream()} gives it, e.g. {@code 5.14.21-150500-default}),
 *       its first fixed release {@code fixedIn}, or both, and optionally {@code introducedIn}; a
 *       stream without {@code fixedIn} has no fixed kernel yet.</li>
 *   <li>Whether a CVE qualifies for a live patch is not in the feed: the server's scope policy
 *       decides it from the score and category. Which live patches carry it is the catalog's.</li>
 * </ul>
 * Unknown fields, values of the wrong type, a malformed id, score, vector, date or kernel release,
 * a line that is not UTF-8 or longer than {@value #MAX_LINE} bytes, and an id listed twice (the
 * second time) are refused with the line number and the reason.
 */
public final class CveFeed {

    static final int MAX_SUMMARY = 1000;
    static final int MAX_VECTOR = 200;
    /** Far longer than any CVE record; a longer line is refused without being held. */
    static final int MAX_LINE = 64 * 1024;
    /** A refusal's reason is one sentence about the line, never the line itself. */
    static final int MAX_REASON = 300;
    /** Kernel releases are stored in columns of 100 characters. */
    static final int MAX_RELEASE = 100;

    /** A line as written; read strictly by {@link JsonCodec}. */
    record Line(String id, Double cvss, String vector, String summary, String published, String category, Boolean livePatchPossible,
                List<Affected> affected) {
    }

    record Affected(String stream, String introducedIn, String fixedIn) {
    }

    /** A record accepted from line {@code line}. */
    public record Entry(int line, CveRecord record) {
    }

    /** A line refused: its number, the CVE id when one could be read, and why. */
    public record Refusal(int line, String id, String error) {
    }

    /** What a feed holds: the records accepted, in order, and the lines refused. */
    public record Parsed(int lines, List<Entry> records, List<Refusal> refused) {
        public Parsed {
            records = List.copyOf(records);
            refused = List.copyOf(refused);
        }
    }

    private CveFeed() {
    }

    /** Collects a whole feed (tests, the demo); the server streams it through {@link #read}. */
    public static Parsed parse(byte[] feed) {
        List<Entry> records = new ArrayList<>();
        List<Refusal> refused = new ArrayList<>();
        int lines;
        try {
            lines = read(new java.io.ByteArrayInputStream(feed), records::add, refused::add);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new Parsed(lines, records, refused);
    }

    /**
     * Reads a feed from {@code in} line by line, handing each accepted record and each refusal on
     * as it comes; returns the number of lines that were not blank. Memory stays bounded whatever
     * the feed holds: one line at a time (a line longer than {@value #MAX_LINE} bytes is refused
     * without being kept), and the ids seen so far in a {@link CveIdSet}. Each line must be UTF-8
     * on its own.
     */
    public static int read(InputStream in, Consumer<Entry> records, Consumer<Refusal> refusals) throws IOException {
        CveIdSet seen = new CveIdSet();
        byte[] buffer = new byte[64 * 1024];
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(1024);
        boolean overlong = false;
        int number = 0;
        int count = 0;
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            int from = 0;
            for (int i = 0; i < n; i++) {
                if (buffer[i] != '\n') {
                    continue;
                }
                number++;
                if (!overlong && line.size() + (i - from) > MAX_LINE) {
                    overlong = true;
                } else if (!overlong) {
                    line.write(buffer, from, i - from);
                }
                count += line(line, overlong, number, seen, records, refusals);
                line.reset();
                overlong = false;
                from = i + 1;
            }
            if (!overlong) {
                if (line.size() + (n - from) > MAX_LINE) {
                    overlong = true;
                    line.reset();
                } else {
                    line.write(buffer, from, n - from);
                }
            }
        }
        if (overlong || line.size() > 0) {
            count += line(line, overlong, number + 1, seen, records, refusals);
        }
        return count;
    }

    /** One line: 0 when blank, else 1 after handing on its record or its refusal. */
    private static int line(java.io.ByteArrayOutputStream bytes, boolean overlong, int number, CveIdSet seen, Consumer<Entry> records,
                            Consumer<Refusal> refusals) {
        if (overlong) {
            refusals.accept(new Refusal(number, null, "line " + number + " is longer than " + MAX_LINE + " bytes; a CVE record is far shorter"));
            return 1;
        }
        String text;
        try {
            text = UTF8.get().decode(ByteBuffer.wrap(bytes.toByteArray())).toString().strip();
        } catch (CharacterCodingException e) {
            refusals.accept(new Refusal(number, null, "line " + number + " is not UTF-8 text"));
            return 1;
        }
        if (text.isEmpty()) {
            return 0;
        }
        try {
            CveRecord r = record(text);
            int first = seen.addOrFirstLine(r.id(), number);
            if (first != 0) {
                refusals.accept(new Refusal(number, r.id(), r.id() + " is listed again (first on line " + first + "); list each CVE once"));
            } else {
                records.accept(new Entry(number, r));
            }
        } catch (ApiException | IllegalArgumentException | InvalidInput e) {
            refusals.accept(new Refusal(number, idOf(text), Quote.clip(String.valueOf(e.getMessage()), MAX_REASON)));
        }
        return 1;
    }

    private static final ThreadLocal<java.nio.charset.CharsetDecoder> UTF8 = ThreadLocal.withInitial(() -> StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));

    /** One line as a record; throws with the reason. */
    static CveRecord record(String json) {
        Line l = JsonCodec.read(json.getBytes(StandardCharsets.UTF_8), Line.class);
        if (l.id() == null) {
            throw new IllegalArgumentException("id is required (e.g. \"CVE-2024-1086\")");
        }
        String id = l.id();
        if (l.cvss() == null) {
            throw new IllegalArgumentException("cvss is required (the CVSS v3 base score, e.g. 7.8)");
        }
        double cvss = l.cvss();
        if (Math.abs(cvss * 10 - Math.rint(cvss * 10)) > 1e-9) {
            throw new IllegalArgumentException("cvss " + cvss + " has more than one decimal; CVSS v3 base scores have one (e.g. 7.8)");
        }
        if (l.vector() != null && l.vector().length() > MAX_VECTOR) {
            throw new IllegalArgumentException("vector is longer than " + MAX_VECTOR + " characters");
        }
        if (l.published() == null) {
            throw new IllegalArgumentException("published is required (the date the CVE was published, e.g. 2024-01-31)");
        }
        LocalDate published;
        try {
            published = LocalDate.parse(l.published());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("published must be a date such as 2024-01-31, was '" + l.published() + "'");
        }
        if (l.affected() == null) {
            throw new IllegalArgumentException("affected is required: the kernel streams with the flaw, e.g. [{\"fixedIn\": "
                    + "\"5.14.21-150500.55.65-default\"}] ([] for none)");
        }
        List<AffectedStream> affected = new ArrayList<>();
        for (int i = 0; i < l.affected().size(); i++) {
            affected.add(affected(l.affected().get(i), i));
        }
        String summary = l.summary() == null ? "" : Printable.require(l.summary(), "summary", MAX_LINE, true).strip();
        if (summary.length() > MAX_SUMMARY) {
            summary = summary.substring(0, MAX_SUMMARY - 1) + "…";
        }
        FixCategory category = l.category() == null ? FixCategory.SECURITY : FixCategory.parse(l.category());
        return new CveRecord(id, Math.rint(cvss * 10) / 10, l.vector(), summary, published, category,
                l.livePatchPossible() == null || l.livePatchPossible(), affected);
    }

    private static AffectedStream affected(Affected a, int index) {
        if (a == null) {
            throw new IllegalArgumentException("affected[" + index + "] is null");
        }
        KernelRelease fixed = release(a.fixedIn(), "fixedIn", index);
        KernelRelease introduced = release(a.introducedIn(), "introducedIn", index);
        String stream = a.stream() != null ? a.stream() : fixed != null ? fixed.stream() : introduced != null ? introduced.stream() : null;
        if (stream == null || stream.isBlank()) {
            throw new IllegalArgumentException("affected[" + index + "] needs a stream (e.g. \"5.14.21-150500-default\") or a fixedIn release");
        }
        if (stream.length() > 100) {
            throw new IllegalArgumentException("affected[" + index + "].stream is longer than 100 characters");
        }
        return new AffectedStream(stream, introduced, fixed);
    }

    private static KernelRelease release(String text, String field, int index) {
        if (text == null) {
            return null;
        }
        if (text.length() > MAX_RELEASE) {
            throw new IllegalArgumentException("affected[" + index + "]." + field + " is longer than " + MAX_RELEASE + " characters");
        }
        try {
            return KernelRelease.parseAny(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("affected[" + index + "]." + field + ": " + e.getMessage());
        }
    }

    /** The id of a line that was refused, if it is JSON with a string id at all (clipped: it is quoted back). */
    private static String idOf(String line) {
        try {
            JsonNode n = JsonCodec.mapper().readTree(line);
            return n != null && n.path("id").isTextual() ? Quote.clip(n.path("id").asText(), 40) : null;
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }
}
