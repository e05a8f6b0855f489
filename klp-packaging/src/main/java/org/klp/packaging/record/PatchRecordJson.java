package org.klp.packaging.record;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.LivePatchPackage;
import org.klp.core.patch.PatchedFunction;

/**
 * The JSON form of a {@link PatchRecord} (format 1):
 *
 * <pre>{
 *   "format": 1,
 *   "package": "kernel-livepatch-6_1_0-56-amd64",
 *   "kernel": "6.1.0-56-amd64",
 *   "version": 2,
 *   "released": "2024-11-05",
 *   "kernelReleased": "2024-10-01",
 *   "module": "klp_patch_v2",
 *   "moduleFile": "lib/modules/6.1.0-56-amd64/livepatch/klp_patch_v2.ko",
 *   "rpm": "kernel-livepatch-6_1_0-56-amd64-2-1.x86_64",
 *   "functions": ["klp_target:klp_target_message,0"],
 *   "states": ["1:2"],
 *   "fixes": [ … as in {@link FixesJson} … ]
 * }</pre>
 *
 * {@code package} must agree with {@code kernel}; {@code moduleFile}, {@code rpm},
 * {@code kernelReleased} (the kernel's release date, from which the end of support follows) and
 * {@code functions} are optional; so is {@code states} (the module's klp system states as
 * {@code ID:VERSION}), absent when they are not known. {@link #readAll} reads a JSON array of records (the
 * {@code klp-patches} file of a repository).
 */
public final class PatchRecordJson {

    public static final int FORMAT = 1;

    private PatchRecordJson() {
    }

    public static PatchRecord read(String json, String source) {
        try (JsonParser p = StrictJson.FACTORY.createParser(json)) {
            StrictJson in = new StrictJson(p, source);
            in.expect(JsonToken.START_OBJECT, "a patch record object");
            PatchRecord record = readBody(in);
            in.requireEnd();
            return record;
        } catch (StreamReadException e) {
            throw new MalformedRecordException(source + " is not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr() + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static PatchRecord readBody(StrictJson in) throws IOException {
        Integer format = null;
        String packageName = null;
        KernelRelease kernel = null;
        Integer version = null;
        LocalDate released = null;
        LocalDate kernelReleased = null;
        String module = null;
        String moduleFile = "";
        String rpm = "";
        List<PatchedFunction> functions = new ArrayList<>();
        List<Fix> fixes = List.of();
        java.util.Optional<List<org.klp.core.patch.SystemState>> states = java.util.Optional.empty();
        for (String field = in.nextField(); field != null; field = in.nextField()) {
            switch (field) {
                case "format" -> format = in.integer(field);
                case "package" -> packageName = in.string(field);
                case "kernel" -> {
                    String raw = in.string(field);
                    kernel = in.checked(() -> KernelRelease.parse(raw));
                }
                case "version" -> version = in.integer(field);
                case "released" -> released = date(in, field);
                case "kernelReleased" -> kernelReleased = date(in, field);
                case "module" -> module = in.string(field);
                case "moduleFile" -> moduleFile = in.string(field);
                case "rpm" -> rpm = in.string(field);
                case "functions" -> {
                    for (String f : in.strings(field)) {
                        functions.add(in.checked(() -> parseFunction(f)));
                    }
                }
                case "states" -> {
                    List<org.klp.core.patch.SystemState> list = new ArrayList<>();
                    for (String st : in.strings(field)) {
                        list.add(in.checked(() -> org.klp.core.patch.SystemState.parse(st)));
                    }
                    states = java.util.Optional.of(list);
                }
                case "fixes" -> {
                    in.expect(JsonToken.START_ARRAY, "\"fixes\" as an array");
                    fixes = FixesJson.readArrayBody(in);
                }
                default -> throw in.error("unknown field \"" + field + "\" in a patch record");
            }
        }
        if (format == null || format != FORMAT) {
            throw in.error("\"format\" must be " + FORMAT + ", found " + format);
        }
        for (var required : new Object[][] {{"kernel", kernel}, {"version", version}, {"released", released}, {"module", module}}) {
            if (required[1] == null) {
                throw in.error("a patch record needs \"" + required[0] + "\"");
            }
        }
        KernelRelease k = kernel;
        int v = version;
        LocalDate day = released;
        List<Fix> fx = fixes;
        LivePatchPackage livePatch = in.checked(() -> new LivePatchPackage(k, v, day, fx, functions));
        if (packageName != null && !packageName.equals(livePatch.name())) {
            throw in.error("\"package\" is " + packageName + " but kernel " + kernel + " makes it " + livePatch.name());
        }
        String name = module;
        String file = moduleFile;
        String r = rpm;
        LocalDate kr = kernelReleased;
        var st = states;
        return in.checked(() -> new PatchRecord(livePatch, name, file, r, kr, st));
    }

    private static LocalDate date(StrictJson in, String field) throws IOException {
        String raw = in.string(field);
        try {
            return LocalDate.parse(raw);
        } catch (DateTimeParseException e) {
            throw in.error("\"" + field + "\" must be a date such as 2024-11-05, found '" + raw + "'");
        }
    }

    /** Reads a JSON array of records. */
    public static List<PatchRecord> readAll(String json, String source) {
        try (JsonParser p = StrictJson.FACTORY.createParser(json)) {
            StrictJson in = new StrictJson(p, source);
            in.expect(JsonToken.START_ARRAY, "an array of patch records");
            List<PatchRecord> records = new ArrayList<>();
            for (JsonToken t = in.next(); t != JsonToken.END_ARRAY; t = in.next()) {
                if (t != JsonToken.START_OBJECT) {
                    throw in.error("expected a patch record object, found " + StrictJson.describe(t));
                }
                records.add(readBody(in));
            }
            in.requireEnd();
            return records;
        } catch (StreamReadException e) {
            throw new MalformedRecordException(source + " is not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr() + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One record as compact JSON on one line (no trailing newline). */
    public static String writeCompact(PatchRecord record) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = StrictJson.FACTORY.createGenerator(out)) {
            writeObject(g, record);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Writes records as a JSON array, one record object after another. */
    public static String writeAll(List<PatchRecord> records) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = StrictJson.FACTORY.createGenerator(out)) {
            g.writeStartArray();
            for (PatchRecord r : records) {
                g.writeRaw('\n');
                writeObject(g, r);
            }
            g.writeRaw('\n');
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString() + "\n";
    }

    /** Parses {@code object:function,sympos}. */
    public static PatchedFunction parseFunction(String text) {
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("Not a patched function: '" + text + "' (expected object:function,sympos such as vmlinux:cmdline_proc_show,0)");
        }
        String rest = text.substring(colon + 1);
        return rest.indexOf(',') < 0
                ? new PatchedFunction(text.substring(0, colon), rest, 0)
                : PatchedFunction.fromSysfs(text.substring(0, colon), rest);
    }

    public static String formatFunction(PatchedFunction f) {
        return f.object() + ":" + f.sysfsName();
    }

    public static String write(PatchRecord record) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = StrictJson.FACTORY.createGenerator(out)) {
            g.useDefaultPrettyPrinter();
            writeObject(g, record);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString() + "\n";
    }

    private static void writeObject(JsonGenerator g, PatchRecord record) throws IOException {
        LivePatchPackage p = record.livePatch();
        {
            g.writeStartObject();
            g.writeNumberField("format", FORMAT);
            g.writeStringField("package", p.name());
            g.writeStringField("kernel", p.kernel().uname());
            g.writeNumberField("version", p.version());
            g.writeStringField("released", p.releaseDate().toString());
            if (record.kernelReleased() != null) {
                g.writeStringField("kernelReleased", record.kernelReleased().toString());
            }
            g.writeStringField("module", record.moduleName());
            g.writeStringField("moduleFile", record.moduleFile());
            g.writeStringField("rpm", record.rpm());
            g.writeArrayFieldStart("functions");
            for (PatchedFunction f : p.functions()) {
                g.writeString(formatFunction(f));
            }
            g.writeEndArray();
            if (record.systemStates().isPresent()) {
                g.writeArrayFieldStart("states");
                for (var state : record.states()) {
                    g.writeString(state.toString());
                }
                g.writeEndArray();
            }
            g.writeFieldName("fixes");
            FixesJson.writeArray(g, p.fixes());
            g.writeEndObject();
        }
    }
}
