package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trainpod.common.problem.CodeCatalog;
import dev.trainpod.common.problem.ProblemCatalog;
import dev.trainpod.common.problem.ProblemPages;
import dev.trainpod.devstack.apidocs.OpenApiMerge;
import dev.trainpod.devstack.apidocs.RecordedExamples;
import dev.trainpod.devstack.shipping.Nginx;
import dev.trainpod.devstack.shipping.Repo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API reference through the real nginx gateway in front of the running services: every problem type and every
 * code of the catalog answers 200 with its page, the reference page and the two documents are served, and the
 * merged OpenAPI document the gateway serves is the merge of what each running service serves, and its examples
 * are what a run through the gateway records ({@link ExampleRecorder}; {@code -Dtrainpod.regenerate=true} writes
 * them).
 */
class ApiReferenceIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static LocalStack stack;
    private static Gateway gateway;

    @BeforeAll
    static void startGateway() {
        stack = SharedStack.get();
        gateway = Nginx.start(stack.deployUrl(), stack.datasetUrl(), stack.metricsUrl());
    }

    @AfterAll
    static void stopGateway() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void everyProblemTypeAndCodeHasItsPageAtTheGateway() throws Exception {
        List<String> failing = new ArrayList<>();
        int pages = 0;
        for (ProblemCatalog p : ProblemCatalog.values()) {
            pages++;
            HttpResponse<String> r = get("/problems/" + p.slug());
            if (r.statusCode() != 200 || !r.body().contains(ProblemPages.html(p.title())) || !r.body().contains("What to do")
                    || !r.headers().firstValue("Content-Type").orElse("").startsWith("text/html")) {
                failing.add(p.type() + " → " + r.statusCode());
            }
        }
        for (CodeCatalog c : CodeCatalog.values()) {
            pages++;
            HttpResponse<String> r = get(c.pagePath());
            if (r.statusCode() != 200 || !r.body().contains(c.name())) {
                failing.add(c.pagePath() + " → " + r.statusCode());
            }
        }
        assertThat(failing).isEmpty();
        assertThat(pages).isEqualTo(ProblemCatalog.values().length + CodeCatalog.values().length);
        assertThat(get("/problems/").statusCode()).isEqualTo(200);
        assertThat(get("/problems/no-such-problem").statusCode()).isEqualTo(404);
    }

    @Test
    void theReferencePageAndTheDocumentsAreServed() throws Exception {
        HttpResponse<String> docs = get("/api/docs/");
        assertThat(docs.statusCode()).isEqualTo(200);
        assertThat(docs.body()).contains("swagger-ui-bundle.js").contains("/api/openapi.json");
        assertThat(get("/api/docs").statusCode()).isEqualTo(301);
        HttpResponse<String> bundle = get("/api/docs/swagger-ui-bundle.js");
        assertThat(bundle.statusCode()).isEqualTo(200);
        assertThat(bundle.headers().firstValue("Content-Type").orElse("")).startsWith("application/javascript");
        assertThat(get("/api/docs/swagger-ui.css").headers().firstValue("Content-Type").orElse(""))
                .startsWith("text/css");
        HttpResponse<String> asyncapi = get("/api/asyncapi.json");
        assertThat(asyncapi.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(asyncapi.body()).path("asyncapi").asText()).isEqualTo("3.0.0");
    }

    @Test
    void theGatewaysDocumentIsTheMergeOfWhatEachServiceServes() throws Exception {
        Map<String, JsonNode> served = new LinkedHashMap<>();
        served.put("deploy-service", served(stack.deployUrl()));
        served.put("dataset-service", served(stack.datasetUrl()));
        served.put("metrics-service", served(stack.metricsUrl()));
        HttpResponse<String> viaGateway = get("/api/openapi.json");
        assertThat(viaGateway.statusCode()).isEqualTo(200);
        assertThat(viaGateway.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(JSON.readTree(viaGateway.body()))
                .as("the gateway's document (deploy/compose/gateway/openapi.json) and the running services' own")
                .isEqualTo(OpenApiMerge.merge(served));
        assertThat(JSON.readTree(viaGateway.body())).isEqualTo(JSON.readTree(
                Repo.path("deploy/compose/gateway/openapi.json").toFile()));
    }

    @Test
    void theExamplesAreRecordedFromARunThroughTheGateway() throws Exception {
        Map<String, ObjectNode> recorded = new ExampleRecorder(stack, gateway).record();
        if (Boolean.getBoolean("trainpod.regenerate")) {
            RecordedExamples.write(recorded);
        }
        assertThat(ExampleRecorder.stale(recorded, RecordedExamples.read())).as(RecordedExamples.FILE + " is stale:"
                + " run ApiReferenceIT with -Dtrainpod.regenerate=true, then OpenApiDocumentTest with it").isEmpty();
        // and the check can fail: an answer with a field the recording lacks, an operation it lacks
        ObjectNode grown = recorded.get("get /api/v1/datasets/{id}").deepCopy();
        ((ObjectNode) grown.at("/responses/200")).put("newField", 1);
        Map<String, ObjectNode> changed = new LinkedHashMap<>(recorded);
        changed.put("get /api/v1/datasets/{id}", grown);
        changed.put("get /api/v1/new-operation", grown);
        assertThat(ExampleRecorder.stale(changed, JSON.valueToTree(recorded))).containsExactly(
                "get /api/v1/datasets/{id}: [responses.200.newField] not in the recording",
                "get /api/v1/new-operation: not recorded");
    }

    private static JsonNode served(String baseUrl) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/q/openapi?format=json"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(baseUrl).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(gateway.url() + path)).timeout(Duration.ofSeconds(30))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
