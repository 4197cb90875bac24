package dev.trainpod.devstack.runpod;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a create-pod body into a {@link PodSpec}: RunPod's {@code CreatePodRequest} contract first (422),
 * then the rules its handler enforces and the placement on a GPU type and data center (400).
 */
final class CreatePodValidator {

    /** RunPod's wording for a create that found no capacity; clients look for part of it. */
    static final String NO_CAPACITY = "There are no longer any instances available with the requested "
            + "specifications. Please refresh and try again.";

    private static final Set<String> PROPERTIES = Set.of("name", "image", "args", "disk", "env", "ports",
            "registry", "cloud", "cpu", "dataCenterIds", "globalNetworking", "gpu", "mounts", "startJupyter",
            "startSsh", "templateId");
    private static final Set<String> GPU_PROPERTIES = Set.of("id", "count", "allowedCudaVersions", "minCudaVersion");
    private static final Set<String> MOUNT_PROPERTIES = Set.of("persistent", "network");
    private static final Set<String> PERSISTENT_PROPERTIES = Set.of("size", "path");
    private static final Set<String> NETWORK_PROPERTIES = Set.of("volumeId", "path");
    private static final List<String> CLOUDS = List.of("SECURE", "COMMUNITY");
    private static final Pattern CUDA_VERSION = Pattern.compile("^\\d+\\.\\d+$");
    private static final int MAX_ENV = 50;
    /** RunPod's container disk when a request names none. */
    private static final int DEFAULT_DISK_GB = 50;
    /** Numeric, so that 12.10 is above 12.8. */
    private static final Comparator<String> CUDA_ORDER = Comparator
            .comparingInt((String v) -> Integer.parseInt(v.substring(0, v.indexOf('.'))))
            .thenComparingInt(v -> Integer.parseInt(v.substring(v.indexOf('.') + 1)));

    /** The {@code gpu} part of a create body. */
    private record GpuRequest(String id, int count, List<String> allowedCudaVersions, String minCudaVersion) {
    }

    private final GpuCatalog catalog;

    CreatePodValidator(GpuCatalog catalog) {
        this.catalog = catalog;
    }

    /** The properties a create body may have, for the OpenAPI conformance test. */
    static Set<String> properties() {
        return PROPERTIES;
    }

    PodSpec validate(JsonNode body) {
        SchemaChecks checks = new SchemaChecks();
        if (body == null) {
            throw ApiProblem.unprocessable(List.of("$: got null, want object"));
        }
        if (!checks.object(body, "$")) {
            throw ApiProblem.unprocessable(checks.errors());
        }
        checks.onlyProperties(body, PROPERTIES, "$");
        checks.required(body, "name", "$");
        if (!body.has("templateId")) {
            checks.required(body, "image", "$");
        }
        String name = checks.string(body, "name", "$", 1);
        String image = checks.string(body, "image", "$", 0);
        String args = checks.string(body, "args", "$", 0);
        Integer disk = checks.integer(body, "disk", "$", 1);
        Map<String, String> env = env(body, checks);
        List<String> ports = checks.strings(body, "ports", "$");
        String registry = checks.nullableString(body, "registry", "$");
        String cloud = checks.oneOf(body, "cloud", "$", CLOUDS);
        List<String> dataCenterIds = checks.strings(body, "dataCenterIds", "$");
        Boolean globalNetworking = checks.bool(body, "globalNetworking", "$");
        checks.bool(body, "startJupyter", "$");
        checks.bool(body, "startSsh", "$");
        checks.string(body, "templateId", "$", 1);
        JsonNode cpu = body.get("cpu");
        if (cpu != null) {
            checks.object(cpu, "$.cpu");
        }
        GpuRequest gpu = gpu(body.get("gpu"), checks);
        JsonNode mounts = body.get("mounts");
        checkMounts(mounts, checks);
        if (!checks.errors().isEmpty()) {
            throw ApiProblem.unprocessable(checks.errors());
        }

        checkRules(body, gpu, cpu, env, mounts);
        String cloudName = cloud == null ? "SECURE" : cloud;
        GpuCatalog.GpuType type = catalog.find(gpu.id()).orElseThrow(() -> ApiProblem.badRequest(
                "Unknown GPU type '" + gpu.id() + "'; use an id from GET /v2/catalog/gpus."));
        if (gpu.count() > type.maxCount()) {
            throw ApiProblem.badRequest("gpu.count " + gpu.count() + " is more than the " + type.maxCount()
                    + " GPUs a " + type.id() + " pod can have on " + cloudName + " cloud.");
        }
        if ("NONE".equals(catalog.availability(type.id()))) {
            throw ApiProblem.badRequest(NO_CAPACITY);
        }
        GpuCatalog.DataCenter dataCenter = type.dataCenters().stream()
                .filter(dc -> dataCenterIds.isEmpty() || dataCenterIds.contains(dc.id()))
                .findFirst()
                .orElseThrow(() -> ApiProblem.badRequest(NO_CAPACITY));
        return new PodSpec(name, image, args == null ? "" : args,
                disk == null ? DEFAULT_DISK_GB : disk, env, ports, registry, cloudName, type.id(),
                gpu.count(), type.pricePerGpu(cloudName) * gpu.count(), dataCenter.id(), cudaVersion(gpu), mounts,
                Boolean.TRUE.equals(globalNetworking));
    }

    /** The rules RunPod's handler enforces on a body that matches the contract. */
    private static void checkRules(JsonNode body, GpuRequest gpu, JsonNode cpu, Map<String, String> env,
                                   JsonNode mounts) {
        if ((gpu == null) == (cpu == null)) {
            throw ApiProblem.badRequest("Set exactly one of gpu or cpu.");
        }
        if (cpu != null) {
            throw ApiProblem.badRequest("CPU pods are not simulated; request a gpu instead.");
        }
        // The simulator holds no templates, and RunPod answers 404 for a template it does not know.
        if (body.has("templateId")) {
            throw ApiProblem.notFound("template not found");
        }
        if (env.size() > MAX_ENV) {
            throw ApiProblem.badRequest(
                    "env has " + env.size() + " variables; a pod may have at most " + MAX_ENV + ".");
        }
        if (!gpu.allowedCudaVersions().isEmpty() && gpu.minCudaVersion() != null) {
            throw ApiProblem.badRequest(
                    "gpu.allowedCudaVersions and gpu.minCudaVersion are mutually exclusive; send one.");
        }
        if (mounts != null && mounts.has("persistent") && mounts.has("network")) {
            throw ApiProblem.badRequest("mounts.persistent and mounts.network are mutually exclusive; send one.");
        }
    }

    private static Map<String, String> env(JsonNode body, SchemaChecks checks) {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode node = body.get("env");
        if (node != null && checks.object(node, "$.env")) {
            node.fieldNames().forEachRemaining(key -> {
                String value = checks.string(node, key, "$.env", 0);
                if (value != null) {
                    env.put(key, value);
                }
            });
        }
        return env;
    }

    private static GpuRequest gpu(JsonNode gpu, SchemaChecks checks) {
        if (gpu == null || !checks.object(gpu, "$.gpu")) {
            return null;
        }
        checks.onlyProperties(gpu, GPU_PROPERTIES, "$.gpu");
        checks.required(gpu, "id", "$.gpu");
        String id = checks.string(gpu, "id", "$.gpu", 0);
        Integer count = checks.integer(gpu, "count", "$.gpu", 1);
        List<String> allowed = new ArrayList<>();
        JsonNode versions = gpu.get("allowedCudaVersions");
        if (versions != null && checks.array(versions, "$.gpu.allowedCudaVersions")) {
            for (int i = 0; i < versions.size(); i++) {
                allowed.add(checks.pattern(versions.get(i), "$.gpu.allowedCudaVersions[" + i + "]", CUDA_VERSION));
            }
        }
        JsonNode min = gpu.get("minCudaVersion");
        String minCudaVersion = min == null ? null : checks.pattern(min, "$.gpu.minCudaVersion", CUDA_VERSION);
        return new GpuRequest(id, count == null ? 1 : count, allowed, minCudaVersion);
    }

    private static void checkMounts(JsonNode mounts, SchemaChecks checks) {
        if (mounts == null || !checks.object(mounts, "$.mounts")) {
            return;
        }
        checks.onlyProperties(mounts, MOUNT_PROPERTIES, "$.mounts");
        JsonNode persistent = mounts.get("persistent");
        if (persistent != null && checks.object(persistent, "$.mounts.persistent")) {
            checks.onlyProperties(persistent, PERSISTENT_PROPERTIES, "$.mounts.persistent");
            checks.required(persistent, "size", "$.mounts.persistent");
            checks.required(persistent, "path", "$.mounts.persistent");
            checks.integer(persistent, "size", "$.mounts.persistent", 10);
            checks.string(persistent, "path", "$.mounts.persistent", 0);
        }
        JsonNode network = mounts.get("network");
        if (network != null && checks.array(network, "$.mounts.network")) {
            checks.maxItems(network, "$.mounts.network", 1);
            for (int i = 0; i < network.size(); i++) {
                String at = "$.mounts.network[" + i + "]";
                JsonNode volume = network.get(i);
                if (checks.object(volume, at)) {
                    checks.onlyProperties(volume, NETWORK_PROPERTIES, at);
                    checks.required(volume, "volumeId", at);
                    checks.required(volume, "path", at);
                    checks.string(volume, "volumeId", at, 0);
                    checks.string(volume, "path", at, 0);
                }
            }
        }
    }

    /** The newest CUDA version the request accepts, or 400 for capacity when it accepts none offered. */
    private static String cudaVersion(GpuRequest gpu) {
        return GpuCatalog.CUDA_VERSIONS.stream()
                .filter(v -> gpu.allowedCudaVersions().isEmpty() || gpu.allowedCudaVersions().contains(v))
                .filter(v -> gpu.minCudaVersion() == null || CUDA_ORDER.compare(v, gpu.minCudaVersion()) >= 0)
                .max(CUDA_ORDER)
                .orElseThrow(() -> ApiProblem.badRequest(NO_CAPACITY));
    }
}
