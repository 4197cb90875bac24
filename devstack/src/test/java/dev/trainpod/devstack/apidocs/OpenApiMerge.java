package dev.trainpod.devstack.apidocs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Merges the three services' OpenAPI documents into the one the gateway serves: every public path (not
 * {@code /internal}), the schemas they reach, the security schemes and tags; a path or a schema name that two
 * services define differently is an error, not a silent overwrite. The examples recorded from a run of the local
 * stack ({@link RecordedExamples}) replace the services' own.
 */
public final class OpenApiMerge {

    /** The services, in the order their paths appear in the merged document. */
    public static final List<String> SERVICES = List.of("deploy-service", "dataset-service", "metrics-service");

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String SCHEMA_REF = "#/components/schemas/";

    private OpenApiMerge() {
    }

    /** The merged document of the services' documents, keyed by service name, with the checked-in recorded examples. */
    public static ObjectNode merge(Map<String, JsonNode> documents) {
        return merge(documents, RecordedExamples.read());
    }

    /** The merged document of the services' documents, keyed by service name, with these recorded examples. */
    public static ObjectNode merge(Map<String, JsonNode> documents, JsonNode recorded) {
        ObjectNode merged = mergeServices(documents).deepCopy();
        RecordedExamples.apply(merged, recorded);
        return merged;
    }

    private static ObjectNode mergeServices(Map<String, JsonNode> documents) {
        ObjectNode merged = JSON.createObjectNode();
        merged.put("openapi", "3.1.0");
        ObjectNode info = merged.putObject("info");
        info.put("title", "Trainpod API");
        info.put("version", "1.0");
        info.put("description", "Every public operation of Trainpod's three services, as the gateway routes them."
                + " Errors are application/problem+json (RFC 9457): each problem `type`"
                + " (https://trainpod.dev/problems/<slug>) has a page at /problems/<slug>, each code and failure reason"
                + " at /problems/codes/<CODE>, all listed at /problems/. The Kafka events other teams may consume are"
                + " described by the AsyncAPI document at /api/asyncapi.json.");
        ObjectNode paths = merged.putObject("paths");
        ObjectNode schemas = JSON.createObjectNode();
        ObjectNode schemes = JSON.createObjectNode();
        Map<String, JsonNode> tags = new LinkedHashMap<>();
        List<String> conflicts = new ArrayList<>();
        for (String service : SERVICES) {
            JsonNode doc = documents.get(service);
            if (doc == null) {
                throw new IllegalArgumentException("no OpenAPI document of " + service);
            }
            doc.path("paths").properties().forEach(p -> {
                if (p.getKey().startsWith("/internal/")) {
                    return;
                }
                ObjectNode target = paths.has(p.getKey()) ? (ObjectNode) paths.get(p.getKey())
                        : paths.putObject(p.getKey());
                p.getValue().properties().forEach(op -> {
                    if (target.has(op.getKey())) {
                        conflicts.add(op.getKey() + " " + p.getKey() + " in two services");
                    }
                    target.set(op.getKey(), op.getValue());
                });
            });
            putAll(doc.path("components").path("schemas"), schemas, "schema", service, conflicts);
            putAll(doc.path("components").path("securitySchemes"), schemes, "security scheme", service, conflicts);
            doc.path("tags").forEach(t -> tags.putIfAbsent(t.path("name").asText(), t));
        }
        if (!conflicts.isEmpty()) {
            throw new IllegalStateException("the services' documents disagree: " + conflicts);
        }
        ArrayNode tagList = merged.putArray("tags");
        tags.values().forEach(tagList::add);
        ObjectNode components = merged.putObject("components");
        components.set("schemas", reachable(paths, schemas));
        // Only the schemes an operation names: at run time Quarkus adds its generic "SecurityScheme" again.
        Set<String> named = new LinkedHashSet<>();
        paths.forEach(p -> p.forEach(op -> op.path("security").forEach(r -> r.fieldNames()
                .forEachRemaining(named::add))));
        ObjectNode used = JSON.createObjectNode();
        schemes.properties().forEach(e -> {
            if (named.contains(e.getKey())) {
                used.set(e.getKey(), e.getValue());
            }
        });
        components.set("securitySchemes", used);
        return merged;
    }

    private static void putAll(JsonNode from, ObjectNode into, String what, String service, List<String> conflicts) {
        from.properties().forEach(e -> {
            JsonNode existing = into.get(e.getKey());
            if (existing != null && !existing.equals(e.getValue())) {
                conflicts.add(what + " " + e.getKey() + " differs in " + service);
            }
            into.set(e.getKey(), e.getValue());
        });
    }

    /** The schemas the paths reach, directly or through other schemas, in the order they were defined. */
    private static ObjectNode reachable(JsonNode paths, ObjectNode schemas) {
        Set<String> seen = new LinkedHashSet<>();
        Deque<JsonNode> todo = new ArrayDeque<>(List.of(paths));
        while (!todo.isEmpty()) {
            JsonNode node = todo.pop();
            if (node.isObject() && node.path("$ref").asText("").startsWith(SCHEMA_REF)) {
                String name = node.path("$ref").asText().substring(SCHEMA_REF.length());
                if (seen.add(name) && schemas.has(name)) {
                    todo.push(schemas.get(name));
                }
            }
            node.elements().forEachRemaining(todo::push);
        }
        ObjectNode kept = JSON.createObjectNode();
        schemas.properties().forEach(e -> {
            if (seen.contains(e.getKey())) {
                kept.set(e.getKey(), e.getValue());
            }
        });
        return kept;
    }
}
