package dev.trainpod.devstack.apidocs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.trainpod.common.problem.ProblemCatalog;
import dev.trainpod.devstack.shipping.Repo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway's one OpenAPI document: it is the merge of the documents the three services' builds wrote
 * ({@code <service>/target/openapi/openapi.json}, so the services must be packaged first), every public operation,
 * parameter, response and schema field is described, every error answers the Problem schema, every problem type a
 * description names is in the catalog, every JSON body has an example recorded from a real run
 * ({@link RecordedExamples}, written by ApiReferenceIT) and every example validates against its schema. Run with
 * {@code -Dtrainpod.regenerate=true} to write the merged document after changing an annotation or re-recording.
 */
class OpenApiDocumentTest {

    static final Path MERGED = Repo.path("deploy/compose/gateway/openapi.json");
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");
    private static final Pattern SLUG_IN_PARENS = Pattern.compile("\\(([a-z]+(?:-[a-z0-9]+)+|[a-z]+)(?:,|\\))");
    private static ObjectNode merged;

    @BeforeAll
    static void merge() throws IOException {
        Map<String, JsonNode> docs = new LinkedHashMap<>();
        for (String service : OpenApiMerge.SERVICES) {
            Path built = Repo.path(service + "/target/openapi/openapi.json");
            assertThat(built).as("package " + service + " first: its build writes its OpenAPI document").exists();
            docs.put(service, OpenApiMerge.JSON.readTree(built.toFile()));
        }
        merged = OpenApiMerge.merge(docs);
        if (Boolean.getBoolean("trainpod.regenerate")) {
            Files.writeString(MERGED, OpenApiMerge.JSON.writeValueAsString(merged) + "\n");
        }
    }

    @Test
    void theCheckedInDocumentIsTheMergeOfTheServicesBuiltDocuments() throws IOException {
        assertThat(OpenApiMerge.JSON.readTree(MERGED.toFile()))
                .as(MERGED + " is out of date: run OpenApiDocumentTest with -Dtrainpod.regenerate=true")
                .isEqualTo(merged);
        assertThat(merged.path("openapi").asText()).isEqualTo("3.1.0");
        assertThat(merged.path("paths").size()).as("public paths").isGreaterThan(20);
        merged.path("paths").fieldNames().forEachRemaining(p -> assertThat(p).startsWith("/api/v1/"));
    }

    @Test
    void everyOperationParameterAndResponseIsDescribed() {
        assertThat(undescribed(merged)).isEmpty();
    }

    @Test
    void everySchemaFieldIsDescribed() {
        assertThat(undescribedFields(merged)).isEmpty();
    }

    @Test
    void aMissingDescriptionIsFound() {
        ObjectNode broken = merged.deepCopy();
        ((ObjectNode) broken.path("paths").path("/api/v1/deployments").path("get")).remove("description");
        ((ObjectNode) broken.path("components").path("schemas").path("DeploymentView").path("properties")
                .path("costUsd")).remove("description");
        assertThat(undescribed(broken)).containsExactly("get /api/v1/deployments: description");
        assertThat(undescribedFields(broken)).containsExactly("DeploymentView.costUsd");
    }

    @Test
    void everyErrorAnswersTheProblemSchemaAndNamesOnlyCatalogTypes() {
        List<String> wrong = new ArrayList<>();
        forEachOperation(merged, (name, op) -> op.path("responses").properties().forEach(r -> {
            if (r.getKey().startsWith("4") || r.getKey().startsWith("5")) {
                JsonNode schema = r.getValue().path("content").path("application/problem+json").path("schema");
                if (!"#/components/schemas/Problem".equals(schema.path("$ref").asText())) {
                    wrong.add(name + " " + r.getKey() + ": no problem+json body");
                }
                Matcher m = SLUG_IN_PARENS.matcher(r.getValue().path("description").asText());
                while (m.find()) {
                    if (m.group(1).contains("-") && ProblemCatalog.bySlug(m.group(1)).isEmpty()) {
                        wrong.add(name + " " + r.getKey() + ": unknown problem type " + m.group(1));
                    }
                }
            }
        }));
        assertThat(wrong).isEmpty();
    }

    @Test
    void everyOperationNamesItsSecurityScheme() {
        List<String> missing = new ArrayList<>();
        forEachOperation(merged, (name, op) -> {
            if (op.path("security").isEmpty()) {
                missing.add(name);
            }
        });
        assertThat(missing).isEmpty();
        assertThat(merged.path("components").path("securitySchemes").fieldNames())
                .toIterable().containsExactly("userJwt", "jobToken", "downloadToken");
    }

    @Test
    void everyExampleValidatesAgainstItsSchema() {
        List<String> invalid = new ArrayList<>();
        int[] examples = {0};
        forEachOperation(merged, (name, op) -> {
            List<JsonNode> media = new ArrayList<>();
            op.path("requestBody").path("content").forEach(media::add);
            op.path("responses").forEach(r -> r.path("content").forEach(media::add));
            for (JsonNode m : media) {
                for (JsonNode example : examplesOf(m)) {
                    examples[0]++;
                    Set<ValidationMessage> errors = validate(merged, m.path("schema"), example);
                    if (!errors.isEmpty()) {
                        invalid.add(name + ": " + errors);
                    }
                }
            }
        });
        assertThat(invalid).isEmpty();
        assertThat(examples[0]).as("examples in the document").isGreaterThanOrEqualTo(8);
    }

    @Test
    void everyDocumentedBodyHasAnExampleRecordedFromARealRun() {
        assertThat(RecordedExamples.missing(merged, RecordedExamples.read()))
                .as("record them with ApiReferenceIT -Dtrainpod.regenerate=true").isEmpty();
        int[] recorded = {0};
        forEachOperation(merged, (name, op) -> {
            op.path("requestBody").path("content").forEach(m -> recorded[0] += m.path("examples").has("recorded") ? 1 : 0);
            op.path("responses").forEach(r -> r.path("content")
                    .forEach(m -> recorded[0] += m.path("examples").has("recorded") ? 1 : 0));
        });
        assertThat(recorded[0]).as("recorded examples in the merged document").isGreaterThanOrEqualTo(35);
    }

    @Test
    void aBodyWithoutARecordedExampleAndAnExampleOfNoOperationAreFound() {
        ObjectNode recorded = RecordedExamples.read().deepCopy();
        recorded.remove("post /api/v1/estimates");
        ((ObjectNode) recorded.path("get /api/v1/deployments/{id}")).remove("responses");
        assertThat(RecordedExamples.missing(merged, recorded)).containsExactly(
                "get /api/v1/deployments/{id} response [200]", "post /api/v1/estimates request",
                "post /api/v1/estimates response [200]");
        recorded.putObject("get /api/v1/no-such-path").putObject("responses").putObject("200");
        assertThatThrownBy(() -> RecordedExamples.apply(merged.deepCopy(), recorded))
                .hasMessageContaining("get /api/v1/no-such-path");
    }

    @Test
    void anExampleThatBreaksItsSchemaIsFound() {
        JsonNode schema = merged.path("paths").path("/api/v1/deployments/{id}").path("get").path("responses")
                .path("200").path("content").path("application/json").path("schema");
        ObjectNode bad = OpenApiMerge.JSON.createObjectNode().put("billedSeconds", "ten").put("gpuCount", 1.5);
        assertThat(validate(merged, schema, bad)).hasSize(2);
    }

    @Test
    void theVendoredSwaggerUiIsTheWebjarsFiles() throws IOException {
        for (String file : List.of("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")) {
            try (InputStream webjar = getClass().getResourceAsStream(
                    "/META-INF/resources/webjars/swagger-ui/5.35.0/" + file)) {
                assertThat(webjar).as(file + " in org.webjars:swagger-ui").isNotNull();
                assertThat(Files.readAllBytes(Repo.path("deploy/compose/gateway/docs/" + file)))
                        .as(file).isEqualTo(webjar.readAllBytes());
            }
        }
        assertThat(Files.readString(Repo.path("deploy/compose/gateway/docs/index.html")))
                .contains("url: \"/api/openapi.json\"").doesNotContain("https://");
    }

    /** Each "(method) path: what" that lacks a description. */
    static List<String> undescribed(JsonNode doc) {
        List<String> missing = new ArrayList<>();
        forEachOperation(doc, (name, op) -> {
            for (String key : List.of("summary", "description")) {
                if (op.path(key).asText("").isBlank()) {
                    missing.add(name + ": " + key);
                }
            }
            op.path("parameters").forEach(p -> {
                if (p.path("description").asText("").isBlank()) {
                    missing.add(name + ": parameter " + p.path("name").asText());
                }
            });
            op.path("responses").properties().forEach(r -> {
                if (r.getValue().path("description").asText("").isBlank()) {
                    missing.add(name + ": response " + r.getKey());
                }
            });
        });
        return missing;
    }

    /** Each "Schema.field" without a description (on the field or beside its $ref). */
    static List<String> undescribedFields(JsonNode doc) {
        List<String> missing = new ArrayList<>();
        doc.path("components").path("schemas").properties().forEach(s -> {
            if (s.getValue().path("description").asText("").isBlank() && !s.getValue().has("format")) {
                missing.add(s.getKey());
            }
            s.getValue().path("properties").properties().forEach(f -> {
                if (f.getValue().path("description").asText("").isBlank()) {
                    missing.add(s.getKey() + "." + f.getKey());
                }
            });
        });
        return missing;
    }

    /** The example values of a media type object (its {@code example} and each of its {@code examples}). */
    static List<JsonNode> examplesOf(JsonNode media) {
        List<JsonNode> all = new ArrayList<>();
        if (media.has("example")) {
            all.add(media.get("example"));
        }
        media.path("examples").forEach(e -> all.add(e.path("value")));
        return all;
    }

    /** Validates a value against a schema of the document, its {@code $ref}s resolved within the document. */
    static Set<ValidationMessage> validate(JsonNode doc, JsonNode schema, JsonNode value) {
        ObjectNode root = OpenApiMerge.JSON.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.putArray("allOf").add(schema);
        root.set("components", doc.path("components"));
        JsonSchema compiled = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(root);
        return compiled.validate(value);
    }

    /** Calls {@code action} with "method path" and the operation, for every operation of the document. */
    static void forEachOperation(JsonNode doc, java.util.function.BiConsumer<String, JsonNode> action) {
        doc.path("paths").properties().forEach(p -> p.getValue().properties().forEach(op -> {
            if (METHODS.contains(op.getKey())) {
                action.accept(op.getKey() + " " + p.getKey(), op.getValue());
            }
        }));
    }
}
