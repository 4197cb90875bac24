package dev.trainpod.devstack.runpod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/** The unauthenticated {@code /_sim} API through which tests steer the simulator and read what happened. */
final class ControlApi {

    private final ApiKeys keys;
    private final Faults faults;
    private final GpuCatalog catalog;
    private final RequestJournal journal;
    private final PodRegistry registry;

    ControlApi(ApiKeys keys, Faults faults, GpuCatalog catalog, RequestJournal journal, PodRegistry registry) {
        this.keys = keys;
        this.faults = faults;
        this.catalog = catalog;
        this.journal = journal;
        this.registry = registry;
    }

    void register(Router router) {
        router.add("POST", "/_sim/keys", this::addKey)
                .add("POST", "/_sim/faults", this::addFault)
                .add("DELETE", "/_sim/faults", request -> {
                    faults.clear();
                    return ApiResponse.empty(204);
                })
                .add("DELETE", "/_sim/faults/{id}", this::removeFault)
                .add("POST", "/_sim/losses", request -> {
                    faults.losses().add(request.body());
                    return ApiResponse.empty(204);
                })
                .add("DELETE", "/_sim/losses", request -> {
                    faults.losses().clear();
                    return ApiResponse.empty(204);
                })
                .add("PUT", "/_sim/catalog/availability", this::setAvailability)
                .add("GET", "/_sim/requests", this::requests)
                .add("DELETE", "/_sim/requests", request -> {
                    journal.clear();
                    return ApiResponse.empty(204);
                })
                .add("GET", "/_sim/pods", this::pods)
                .add("GET", "/_sim/pods/{id}/log", this::podLog);
    }

    private ApiResponse addKey(ApiRequest request) {
        keys.addAccountKey(requiredText(request.body(), "apiKey"));
        return ApiResponse.empty(204);
    }

    private ApiResponse addFault(ApiRequest request) {
        return ApiResponse.json(201, Map.of("id", faults.add(request.body())));
    }

    private ApiResponse removeFault(ApiRequest request) {
        if (!faults.remove(request.pathParam(0))) {
            throw ApiProblem.notFound("No fault with id " + request.pathParam(0) + ".");
        }
        return ApiResponse.empty(204);
    }

    private ApiResponse setAvailability(ApiRequest request) {
        catalog.setAvailability(requiredText(request.body(), "gpuTypeId"),
                requiredText(request.body(), "availability"));
        return ApiResponse.empty(204);
    }

    private ApiResponse requests(ApiRequest request) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode requests = body.putArray("requests");
        journal.all().forEach(r -> requests.add(Json.MAPPER.valueToTree(r)));
        return ApiResponse.json(200, body);
    }

    private ApiResponse pods(ApiRequest request) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode pods = body.putArray("pods");
        for (SimulatedPod pod : registry.all()) {
            SimPod snapshot = pod.snapshot();
            ObjectNode node = Json.MAPPER.valueToTree(snapshot);
            node.remove("env");
            node.remove("log");
            pods.add(node);
        }
        return ApiResponse.json(200, body);
    }

    private ApiResponse podLog(ApiRequest request) {
        SimulatedPod pod = registry.find(request.pathParam(0))
                .orElseThrow(() -> ApiProblem.notFound("pod not found"));
        return ApiResponse.json(200, Map.of("lines", pod.log().lines()));
    }

    private static String requiredText(JsonNode body, String field) {
        JsonNode value = body == null ? null : body.get(field);
        if (value == null || !value.isTextual() || value.textValue().isBlank()) {
            throw ApiProblem.badRequest("Send a JSON object with a non-blank string '" + field + "'.");
        }
        return value.textValue();
    }
}
