package dev.trainpod.deploy.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.common.problem.Problem.FieldError;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HyperparameterRulesTest {

    private static final Path TRAINER = Path.of("..", "pod", "trainer");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HyperparameterRules rules = new HyperparameterRules();

    @Test
    void theRulesArePreflightsCopyOfTheTrainersOwnFile() throws IOException {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(HyperparameterRules.RESOURCE)) {
            assertThat(in).as(HyperparameterRules.RESOURCE).isNotNull();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo(Files.readString(TRAINER.resolve("hyperparameters.json")));
        }
        assertThat(rules.rules()).containsKeys("adapter", "epochs", "maxSteps", "learningRate", "seed");
    }

    @Test
    void everySharedCaseIsJudgedAsTheTrainerJudgesIt() throws IOException {
        JsonNode cases = JSON.readTree(TRAINER.resolve("tests/hyperparameter_cases.json").toFile()).path("cases");
        assertThat(cases.size()).isGreaterThan(30);
        for (JsonNode c : cases) {
            Map<String, Object> raw = JSON.convertValue(c.get("hyperparameters"), new TypeReference<>() { });
            List<FieldError> failures = rules.check(raw);
            if (c.has("code")) {
                assertThat(failures).as(c.toString()).singleElement().satisfies(f -> {
                    assertThat(f.field()).isEqualTo("hyperparameters." + c.get("field").asText());
                    assertThat(f.code()).isEqualTo(c.get("code").asText());
                    assertThat(f.message()).contains(c.get("field").asText());
                    assertThat(f.hint()).isNotBlank();
                });
            } else {
                assertThat(failures).as(c.toString()).isEmpty();
                Map<String, Object> resolved = rules.resolve(raw);
                c.get("resolved").fields().forEachRemaining(e -> assertSame(c + ": " + e.getKey(), e.getValue(),
                        JSON.valueToTree(resolved.get(e.getKey()))));
            }
        }
    }

    @Test
    void everyDefaultObeysItsOwnRule() {
        Map<String, Object> defaults = new HashMap<>();
        rules.rules().values().stream().filter(r -> r.defaultValue() != null)
                .forEach(r -> defaults.put(r.name(), r.defaultValue()));
        assertThat(rules.check(defaults)).isEmpty();
        assertThat(rules.resolve(null)).containsEntry("learningRate", 2e-4).containsEntry("adapter", "lora")
                .containsEntry("epochs", 1.0).containsEntry("maxSteps", -1L);
    }

    @Test
    void aSnakeCaseNameIsPointedToItsCamelCaseRule() {
        assertThat(rules.check(Map.of("batch_size", 8))).singleElement()
                .satisfies(f -> assertThat(f.hint()).startsWith("Did you mean batchSize?"));
    }

    private static void assertSame(String what, JsonNode expected, JsonNode actual) {
        if (expected.isNumber()) {
            assertThat(actual.isNumber()).as(what + " is " + actual).isTrue();
            assertThat(actual.decimalValue()).as(what).isEqualByComparingTo(expected.decimalValue());
        } else {
            assertThat(actual).as(what).isEqualTo(expected);
        }
    }
}
