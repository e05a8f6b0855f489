package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** /api/openapi.json describes exactly the routes the server serves: every route is in it, and nothing else. */
class OpenApiTest {

    @Test
    void theApiDocumentMatchesTheRegisteredRoutesBothWays() {
        try (TestServer t = TestServer.h2(TestServer.tempDir("openapi"))) {
            JsonNode doc = t.send("GET", "/api/openapi.json", null, (String) null).body();
            Set<String> documented = new TreeSet<>();
            for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
                Map.Entry<String, JsonNode> p = paths.next();
                p.getValue().fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase(java.util.Locale.ROOT) + " " + p.getKey()));
            }
            Set<String> registered = t.server.registeredRoutes().stream().map(r -> r.replace("<path>", "{path}"))
                    .collect(Collectors.toCollection(TreeSet::new));
            Set<String> declared = t.server.routes().stream().map(r -> r.method().name() + " " + r.path().replace("<path>", "{path}"))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(registered).isEqualTo(declared);
            assertThat(documented).as("documented vs registered").isEqualTo(registered);
            for (JsonNode path : doc.get("paths")) {
                for (JsonNode op : path) {
                    assertThat(op.has("security")).isTrue();
                    assertThat(op.at("/responses/default/content/application~1json/schema/$ref").asText()).isEqualTo("#/components/schemas/Error");
                }
            }
        }
    }
}
