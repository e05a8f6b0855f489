package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.LongSupplier;
import org.klp.server.export.ExportScope;
import org.klp.server.export.ExportSource;
import org.klp.server.export.MaintainedKernels;

/**
 * The public lifecycle page, no login: {@code /lifecycle}, a static page (the dashboard's style and
 * a script module) reading {@code /lifecycle.json}, every kernel the catalog maintains with its live
 * patch versions, their fixes and its end of support; {@code ?uname=RELEASE} answers for one
 * kernel, as a host's {@code uname -r} (or {@code klp uname -r}) names it.
 *
 * <p>Public because it says nothing the public repositories do not (their updateinfo and lifecycle
 * data hold the same facts), and a customer checks a kernel before registering. Anyone may call it,
 * so it is computed once per catalog change and day (the policy generation moves with every
 * publication and CVE import) and served from memory.
 */
final class LifecycleApi {

    private final ExportSource source;
    private final LongSupplier generation;
    private final java.time.Clock clock;
    private final byte[] page;
    private volatile Cached cached;

    private record Cached(long generation, LocalDate day, MaintainedKernels kernels) {
    }

    LifecycleApi(ExportSource source, LongSupplier generation, java.time.Clock clock) {
        this.source = source;
        this.generation = generation;
        this.clock = clock;
        try (InputStream in = LifecycleApi.class.getResourceAsStream("/dashboard/lifecycle.html")) {
            this.page = in.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("lifecycle.html is missing from the server's resources", e);
        }
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.GET, "/lifecycle", Access.PUBLIC, 0, c -> {
                    c.responseHeader("Cache-Control", "no-cache");
                    return new Reply.Bytes(200, "text/html; charset=utf-8", page);
                }),
                new Route(HandlerType.GET, "/lifecycle.json", Access.PUBLIC, 0, this::json));
    }

    private Reply json(Call call) {
        MaintainedKernels all = current();
        String uname = call.query("uname");
        if (uname == null) {
            return Reply.ok(all);
        }
        if (uname.length() > 200) {
            throw ApiException.badRequest("uname must be a kernel release as uname -r prints it, such as 5.14.21-150500.55.49-default");
        }
        try {
            return all.find(uname).<Reply>map(k -> Reply.ok(new MaintainedKernels(all.asOf(), List.of(k)))).orElseThrow(() -> {
                List<String> stream = all.ofStreamOf(uname).stream().map(MaintainedKernels.Kernel::kernel).toList();
                return ApiException.notFound(uname.strip() + " is not a kernel release the catalog maintains: no live patches are published for"
                        + " it" + (stream.isEmpty() ? "; nor for any release of its stream" : "; maintained releases of its stream: "
                        + String.join(", ", stream)));
            });
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private MaintainedKernels current() {
        long g = generation.getAsLong();
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        Cached c = cached;
        if (c == null || c.generation() != g || !c.day().equals(today)) {
            c = new Cached(g, today, MaintainedKernels.of(source.read(ExportScope.ALL), today));
            cached = c;
        }
        return c.kernels();
    }
}
