package dev.trainpod.devstack.runpod;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/** RunPod's own OpenAPI document for REST v2, read from the shared reference folder beside the repository. */
final class OpenApiDocument {

    /** Relative to the devstack module, where Surefire runs; the reference folder lies beside the repository. */
    private static final Path LOCATION = Path.of("..", "..", "shared", "reference", "runpod-v2-openapi.json");

    private final JsonNode root;

    private OpenApiDocument(JsonNode root) {
        this.root = root;
    }

    /** Loads the document, or skips the calling test when this checkout has no copy of it. */
    static OpenApiDocument loadOrSkip() {
        Path file = Path.of(System.getProperty("basedir", "")).toAbsolutePath().resolve(LOCATION).normalize();
        assumeTrue(Files.isRegularFile(file),
                "RunPod's OpenAPI document is not at " + file + "; skipping the conformance check");
        try {
            return new OpenApiDocument(new ObjectMapper().readTree(file.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean hasOperation(String method, String path) {
        return root.path("paths").path(path).has(method.toLowerCase());
    }

    /** Every property a schema declares, through {@code allOf} and {@code $ref}. */
    Set<String> properties(String schema) {
        Set<String> names = new LinkedHashSet<>();
        collect(schema(schema), "properties", names);
        return names;
    }

    /** Every property a schema requires, through {@code allOf} and {@code $ref}. */
    Set<String> required(String schema) {
        Set<String> names = new LinkedHashSet<>();
        collect(schema(schema), "required", names);
        return names;
    }

    private JsonNode schema(String name) {
        JsonNode schema = root.path("components").path("schemas").path(name);
        if (schema.isMissingNode()) {
            throw new AssertionError("the document has no schema " + name);
        }
        return schema;
    }

    private void collect(JsonNode schema, String keyword, Set<String> names) {
        if (schema.has("$ref")) {
            String ref = schema.get("$ref").asText();
            collect(schema(ref.substring(ref.lastIndexOf('/') + 1)), keyword, names);
        }
        schema.path("allOf").forEach(part -> collect(part, keyword, names));
        JsonNode node = schema.path(keyword);
        if (node.isObject()) {
            node.fieldNames().forEachRemaining(names::add);
        } else if (node.isArray()) {
            node.forEach(n -> names.add(n.asText()));
        }
    }
}
