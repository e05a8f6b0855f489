package org.klp.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.klp.cli.Klp;
import org.klp.core.kernel.KernelRelease;
import org.klp.kernel.sim.SimulatedKernel;

/** The real host tool run in-process on a simulated host: exit code, standard output and error. */
record HostRun(int code, String out, String err) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Path simulatedHost(Path dir, String kernel) {
        SimulatedKernel.create(dir, new SimulatedKernel.Spec(KernelRelease.parse(kernel), true, 2, List.of()), Clock.systemUTC());
        return dir;
    }

    static HostRun klp(Path root, String... args) {
        List<String> a = new ArrayList<>(List.of("--root", root.toString()));
        a.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Klp.run(a.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
        return new HostRun(code, out.toString(), err.toString());
    }

    JsonNode json() {
        try {
            return JSON.readTree(out);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + out + " / " + err, e);
        }
    }
}
