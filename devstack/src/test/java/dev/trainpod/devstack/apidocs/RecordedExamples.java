package dev.trainpod.devstack.apidocs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trainpod.devstack.shipping.Repo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The request and response examples recorded from a run of the local stack through the gateway (ApiReferenceIT
 * writes them, ids, tokens and secrets replaced by stable placeholders), which {@link OpenApiMerge} puts into the
 * merged document in place of the services' hand-written ones. The file maps {@code "<method> <path>"} to
 * {@code {"request": <body>, "responses": {"<status>": <body>}}}; only JSON bodies are recorded.
 */
public final class RecordedExamples {

    /** The checked-in recording. */
    public static final Path FILE = Repo.path("devstack/src/test/resources/apidocs/recorded-examples.json");
    /** The JSON media type the examples are for. */
    static final String JSON_MEDIA = "application/json";
    private static final String SUMMARY = "Recorded from a run of the local stack through the gateway";

    private RecordedExamples() {
    }

    /** The checked-in recording ({@code {}} when there is none yet). */
    public static ObjectNode read() {
        try {
            return Files.exists(FILE) ? (ObjectNode) OpenApiMerge.JSON.readTree(FILE.toFile())
                    : OpenApiMerge.JSON.createObjectNode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a recording, its operations sorted so that a new run changes only what changed. */
    public static void write(Map<String, ObjectNode> operations) {
        ObjectNode out = OpenApiMerge.JSON.createObjectNode();
        new TreeMap<>(operations).forEach(out::set);
        try {
            Files.createDirectories(FILE.getParent());
            Files.writeString(FILE, OpenApiMerge.JSON.writeValueAsString(out) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Puts the recorded examples into the merged document: each replaces the examples of its operation's
     * {@code application/json} request body or response. An example for an operation, status or media type the
     * document lacks is an error (the recording is stale).
     */
    static void apply(ObjectNode merged, JsonNode recorded) {
        List<String> orphans = new ArrayList<>();
        recorded.properties().forEach(e -> {
            String[] key = e.getKey().split(" ", 2);
            JsonNode op = merged.path("paths").path(key.length == 2 ? key[1] : "").path(key[0]);
            if (!op.isObject()) {
                orphans.add(e.getKey());
                return;
            }
            if (e.getValue().has("request")) {
                put(op.path("requestBody").path("content").path(JSON_MEDIA), e.getValue().get("request"),
                        e.getKey() + " request", orphans);
            }
            e.getValue().path("responses").properties().forEach(r -> put(op.path("responses").path(r.getKey())
                    .path("content").path(JSON_MEDIA), r.getValue(), e.getKey() + " " + r.getKey(), orphans));
        });
        if (!orphans.isEmpty()) {
            throw new IllegalStateException("recorded examples for what the document does not have (re-record with"
                    + " ApiReferenceIT -Dtrainpod.regenerate=true): " + orphans);
        }
    }

    private static void put(JsonNode media, JsonNode value, String what, List<String> orphans) {
        if (!(media instanceof ObjectNode m)) {
            orphans.add(what);
            return;
        }
        m.remove("example");
        ObjectNode recorded = m.putObject("examples").putObject("recorded");
        recorded.put("summary", SUMMARY);
        recorded.set("value", value);
    }

    /**
     * Each JSON body of the document that needs a recorded example and has none: every operation's
     * {@code application/json} request body, and at least one of its 2xx {@code application/json} responses with a
     * schema (HEAD answers carry no body).
     */
    static List<String> missing(JsonNode doc, JsonNode recorded) {
        List<String> missing = new ArrayList<>();
        OpenApiDocumentTest.forEachOperation(doc, (name, op) -> {
            if (name.startsWith("head ")) {
                return;
            }
            JsonNode rec = recorded.path(name);
            if (op.path("requestBody").path("content").has(JSON_MEDIA) && !rec.has("request")) {
                missing.add(name + " request");
            }
            List<String> bodies = new ArrayList<>();
            op.path("responses").properties().forEach(r -> {
                JsonNode schema = r.getValue().path("content").path(JSON_MEDIA).path("schema");
                if (r.getKey().startsWith("2") && schema.isObject() && !schema.isEmpty()) {
                    bodies.add(r.getKey());
                }
            });
            if (!bodies.isEmpty() && bodies.stream().noneMatch(s -> rec.path("responses").has(s))) {
                missing.add(name + " response " + bodies);
            }
        });
        return missing;
    }
}
