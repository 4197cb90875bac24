package dev.trainpod.devstack.runpod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** RunPod's pod endpoints: create, list, read, terminate, act on and read the log of a pod. */
final class PodsApi {

    private static final List<String> ACTIONS = Arrays.stream(PodAction.values()).map(PodAction::wireName).toList();

    private final PodRegistry registry;
    private final CreatePodValidator validator;

    PodsApi(PodRegistry registry, GpuCatalog catalog) {
        this.registry = registry;
        this.validator = new CreatePodValidator(catalog);
    }

    void register(Router router) {
        router.add("GET", "/v2/pods", this::list)
                .add("POST", "/v2/pods", this::create)
                .add("GET", "/v2/pods/{id}", this::get)
                .add("DELETE", "/v2/pods/{id}", this::delete)
                .add("POST", "/v2/pods/{id}/action", this::action)
                .add("GET", "/v2/pods/{id}/logs", this::logs);
    }

    private ApiResponse list(ApiRequest request) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode pods = body.putArray("pods");
        registry.all().stream()
                .filter(pod -> pod.ownerKey().equals(request.caller().key()))
                .filter(pod -> pod.state().status() != PodStatus.TERMINATED)
                .forEach(pod -> pods.add(PodJson.of(pod)));
        return ApiResponse.json(200, body);
    }

    private ApiResponse create(ApiRequest request) {
        PodSpec spec = validator.validate(request.body());
        return ApiResponse.json(201, PodJson.of(registry.create(spec, request.caller().key())));
    }

    private ApiResponse get(ApiRequest request) {
        return ApiResponse.json(200, PodJson.of(visiblePod(request)));
    }

    private ApiResponse delete(ApiRequest request) {
        if (!visiblePod(request).terminate()) {
            throw podNotFound();
        }
        return ApiResponse.empty(204);
    }

    private ApiResponse action(ApiRequest request) {
        PodAction action = parseAction(request.body());
        SimulatedPod pod = visiblePod(request);
        pod.act(action);
        return action == PodAction.TERMINATE ? ApiResponse.empty(204) : ApiResponse.json(200, PodJson.of(pod));
    }

    private ApiResponse logs(ApiRequest request) {
        SimulatedPod pod = visiblePod(request);
        return ApiResponse.eventStream(LogEvents.render(pod.log().entries(), request));
    }

    /** The live pod the caller may see; RunPod answers 404 for other accounts' pods, as if absent. */
    private SimulatedPod visiblePod(ApiRequest request) {
        String id = request.pathParam(0);
        Caller caller = request.caller();
        return registry.findLive(id)
                .filter(pod -> caller.podScoped()
                        ? pod.id().equals(caller.podId())
                        : pod.ownerKey().equals(caller.key()))
                .orElseThrow(PodsApi::podNotFound);
    }

    private static PodAction parseAction(JsonNode body) {
        SchemaChecks checks = new SchemaChecks();
        if (body == null) {
            throw ApiProblem.unprocessable(List.of("$: got null, want object"));
        }
        if (checks.object(body, "$")) {
            checks.onlyProperties(body, Set.of("action"), "$");
            checks.required(body, "action", "$");
            checks.oneOf(body, "action", "$", ACTIONS);
        }
        if (!checks.errors().isEmpty()) {
            throw ApiProblem.unprocessable(checks.errors());
        }
        return PodAction.fromWire(body.get("action").textValue()).orElseThrow();
    }

    private static ApiProblem podNotFound() {
        return ApiProblem.notFound("pod not found");
    }
}
