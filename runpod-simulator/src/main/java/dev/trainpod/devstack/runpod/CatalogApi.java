package dev.trainpod.devstack.runpod;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.Set;

/** RunPod's GPU catalog endpoints, with stock levels when asked for them. */
final class CatalogApi {

    private static final Set<String> PRODUCTS = Set.of("POD", "CLUSTER", "SERVERLESS");

    private final GpuCatalog catalog;

    CatalogApi(GpuCatalog catalog) {
        this.catalog = catalog;
    }

    void register(Router router) {
        router.add("GET", "/v2/catalog/gpus", this::list)
                .add("GET", "/v2/catalog/gpus/{id}", this::get);
    }

    private ApiResponse list(ApiRequest request) {
        boolean withAvailability = withAvailability(request);
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode gpus = body.putArray("gpus");
        catalog.types().forEach(type -> gpus.add(catalog.toJson(type, withAvailability)));
        return ApiResponse.json(200, body);
    }

    private ApiResponse get(ApiRequest request) {
        boolean withAvailability = withAvailability(request);
        return catalog.find(request.pathParam(0))
                .map(type -> ApiResponse.json(200, catalog.toJson(type, withAvailability)))
                .orElseThrow(() -> ApiProblem.notFound("GPU type not found"));
    }

    /** RunPod insists on {@code product} with {@code include=AVAILABILITY} and refuses it without. */
    private static boolean withAvailability(ApiRequest request) {
        String include = request.query().get("include");
        String product = request.query().get("product");
        if (include != null && !include.equals("AVAILABILITY")) {
            throw ApiProblem.badRequest("include supports only AVAILABILITY.");
        }
        if ((include == null) != (product == null)) {
            throw ApiProblem.badRequest("include=AVAILABILITY and product must be sent together.");
        }
        if (product != null && !Arrays.stream(product.split(",")).allMatch(PRODUCTS::contains)) {
            throw ApiProblem.badRequest("product must be a comma-separated list of POD, CLUSTER, SERVERLESS.");
        }
        return include != null;
    }
}
