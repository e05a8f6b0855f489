package org.klp.it.realkernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonAgreementTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    @Test
    void equalDocumentsAgree() throws Exception {
        String doc = "{'a': 1, 'b': ['x', {'c': null}], 'd': true}";
        assertThat(new JsonAgreement(List.of(), Map.of(), Map.of()).differences(json(doc), json(doc))).isEmpty();
    }

    @Test
    void everyDifferenceIsListedWithItsPath() throws Exception {
        List<String> differences = new JsonAgreement(List.of(), Map.of(), Map.of()).differences(
                json("{'a': 1, 'b': ['x', 'y'], 'c': {'d': 'e'}, 'only': 0}"),
                json("{'a': 2, 'b': ['x'], 'c': {'d': 'f'}, 'other': 0}"));
        assertThat(differences).containsExactly(
                "/a: real 1, simulated 2",
                "/b: 2 elements on the real kernel, 1 on the simulated host: real [\"x\",\"y\"], simulated [\"x\"]",
                "/c/d: real \"e\", simulated \"f\"",
                "/only: only on the real kernel: 0",
                "/other: only on the simulated host: 0");
    }

    @Test
    void rulesExcuseOnlyTheirPaths() throws Exception {
        JsonAgreement agreement = new JsonAgreement(List.of(
                JsonAgreement.Rule.ignored("/tasks/*/stack", "invented frames"),
                JsonAgreement.Rule.masked("/reason", "\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z", "a timestamp"),
                JsonAgreement.Rule.taskIds("/tasks/*/pid", "pids"),
                JsonAgreement.Rule.taskIds("/tasks/*/advice", "pids")),
                Map.of("242", "SLEEPER"), Map.of("12", "SLEEPER"));
        assertThat(agreement.differences(
                json("{'tasks': [{'pid': 242, 'advice': 'kill -CONT 242', 'stack': ['a+0x1/0x2', 'b']}], 'reason': 'forced at 2026-11-23T04:48:44.807223448Z', 'pid': 1}"),
                json("{'tasks': [{'pid': 12, 'advice': 'kill -CONT 12', 'stack': ['a+0x1/0x2']}], 'reason': 'forced at 2026-11-23T04:46:43.853Z', 'pid': 1}")))
                .isEmpty();
        assertThat(agreement.differences(json("{'tasks': [{'pid': 242}], 'pid': 242}"), json("{'tasks': [{'pid': 13}], 'pid': 12}")))
                .as("an unknown task, and a pid outside the rules' paths").containsExactly(
                        "/tasks/0/pid: real \"<SLEEPER>\", simulated \"13\"", "/pid: real 242, simulated 12");
    }
}
