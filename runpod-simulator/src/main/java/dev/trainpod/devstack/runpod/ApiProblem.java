package dev.trainpod.devstack.runpod;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An error the simulator answers as an {@code application/problem+json} body in RunPod's shape. */
final class ApiProblem extends RuntimeException {

    private static final Map<Integer, String> TITLES = Map.ofEntries(
            Map.entry(400, "Bad Request"),
            Map.entry(401, "Unauthorized"),
            Map.entry(402, "Payment Required"),
            Map.entry(403, "Forbidden"),
            Map.entry(404, "Not Found"),
            Map.entry(405, "Method Not Allowed"),
            Map.entry(409, "Conflict"),
            Map.entry(413, "Content Too Large"),
            Map.entry(422, "Unprocessable Entity"),
            Map.entry(429, "Too Many Requests"),
            Map.entry(500, "Internal Server Error"),
            Map.entry(502, "Bad Gateway"),
            Map.entry(503, "Service Unavailable"),
            Map.entry(504, "Gateway Timeout"));

    private final int status;
    private final List<String> errors;
    private final Map<String, String> headers = new LinkedHashMap<>();

    ApiProblem(int status, String detail) {
        this(status, detail, List.of());
    }

    ApiProblem(int status, String detail, List<String> errors) {
        super(detail, null, false, false);
        this.status = status;
        this.errors = List.copyOf(errors);
    }

    static ApiProblem badRequest(String detail) {
        return new ApiProblem(400, detail);
    }

    static ApiProblem notFound(String detail) {
        return new ApiProblem(404, detail);
    }

    static ApiProblem unprocessable(List<String> errors) {
        return new ApiProblem(422, "Request validation failed.", errors);
    }

    ApiProblem withHeader(String name, String value) {
        headers.put(name, value);
        return this;
    }

    int status() {
        return status;
    }

    String title() {
        return TITLES.getOrDefault(status, status >= 500 ? "Server Error" : "Error");
    }

    String detail() {
        return getMessage();
    }

    List<String> errors() {
        return errors;
    }

    Map<String, String> headers() {
        return Map.copyOf(headers);
    }
}
