package dev.trainpod.devstack.runpod;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a route answers: status, content type, body bytes and extra headers. */
record ApiResponse(int status, String contentType, byte[] body, Map<String, String> headers) {

    static ApiResponse json(int status, Object value) {
        return new ApiResponse(status, "application/json", Json.write(value), Map.of());
    }

    static ApiResponse empty(int status) {
        return new ApiResponse(status, null, new byte[0], Map.of());
    }

    static ApiResponse eventStream(String events) {
        return new ApiResponse(200, "text/event-stream", events.getBytes(StandardCharsets.UTF_8),
                Map.of("Cache-Control", "no-cache", "X-Accel-Buffering", "no"));
    }

    static ApiResponse problem(ApiProblem problem) {
        ObjectNode body = Json.MAPPER.createObjectNode()
                .put("title", problem.title())
                .put("status", problem.status())
                .put("detail", problem.detail());
        if (!problem.errors().isEmpty()) {
            problem.errors().forEach(body.putArray("errors")::add);
        }
        return new ApiResponse(problem.status(), "application/problem+json", Json.write(body), problem.headers());
    }

    ApiResponse withHeaders(Map<String, String> extra) {
        Map<String, String> merged = new LinkedHashMap<>(headers);
        merged.putAll(extra);
        return new ApiResponse(status, contentType, body, merged);
    }
}
