package dev.trainpod.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every operation the running services publish, read from each one's OpenAPI document, so that the security tests
 * cover an endpoint as soon as it exists, with the roles its security requirement names ({@code user}, {@code job},
 * {@code service}). {@code /q/*} (health, OpenAPI, metrics) is public by design and is not in the documents; the
 * token-gated download is public by design too (its token is the path), see {@link Endpoint#isPublic}.
 */
final class ApiSurface {

    /** One path and method of one service. */
    record Endpoint(String service, String baseUrl, String method, String path, List<String> pathParams,
                    List<String> queryParams, List<String> bodyTypes, Set<String> roles,
                    String accept) {

        /** The URL with each path parameter replaced by what {@code value} gives for it. */
        String url(Function<String, String> value) {
            Matcher m = PARAM.matcher(path);
            StringBuilder sb = new StringBuilder(baseUrl);
            int last = 0;
            while (m.find()) {
                sb.append(path, last, m.start()).append(value.apply(m.group(1)));
                last = m.end();
            }
            return sb.append(path.substring(last)).toString();
        }

        boolean takesJson() {
            return bodyTypes.contains("application/json");
        }

        /** The collection a path's first parameter names an element of: {@code datasets} in /api/v1/datasets/{id}. */
        String collection() {
            Matcher m = PARAM.matcher(path);
            if (!m.find()) {
                return null;
            }
            String[] segments = path.substring(0, m.start()).split("/");
            return segments[segments.length - 1];
        }

        /** Needs no bearer token: by design only the token-gated download, whose token is the path. */
        boolean isPublic() {
            return roles.isEmpty();
        }

        @Override
        public String toString() {
            return method + " " + service + path;
        }
    }

    private static final Pattern PARAM = Pattern.compile("\\{([^}]+)}");
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    private ApiSurface() {
    }

    /** The operations of the three services of the stack. */
    static List<Endpoint> of(LocalStack stack) {
        List<Endpoint> all = new ArrayList<>();
        for (Map.Entry<String, String> s : Map.of("deploy-service", stack.deployUrl(),
                "dataset-service", stack.datasetUrl(), "metrics-service", stack.metricsUrl()).entrySet()) {
            all.addAll(read(s.getKey(), s.getValue()));
        }
        if (all.size() < 20) {
            throw new AssertionError("the OpenAPI documents list only " + all.size() + " operations: " + all);
        }
        return all;
    }

    private static List<Endpoint> read(String service, String baseUrl) {
        ItHttp.Answer doc = ItHttp.send("GET", baseUrl + "/q/openapi?format=json", null, null);
        if (doc.status() != 200 || doc.body() == null) {
            throw new AssertionError(service + " serves no OpenAPI document: " + doc.status());
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : doc.body().path("paths").properties()) {
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                if (!METHODS.contains(op.getKey())) {
                    continue;
                }
                List<String> pathParams = new ArrayList<>();
                List<String> queryParams = new ArrayList<>();
                for (JsonNode p : concat(path.getValue().path("parameters"), op.getValue().path("parameters"))) {
                    String in = p.path("in").asText();
                    if ("path".equals(in)) {
                        pathParams.add(p.path("name").asText());
                    } else if ("query".equals(in)) {
                        queryParams.add(p.path("name").asText());
                    }
                }
                List<String> bodyTypes = new ArrayList<>();
                op.getValue().path("requestBody").path("content").fieldNames().forEachRemaining(bodyTypes::add);
                // What a client accepts: the success answers' types (any, when a success has no body), and the
                // problem+json every error answers with.
                Set<String> produces = new TreeSet<>();
                op.getValue().path("responses").properties().stream().filter(r -> r.getKey().startsWith("2"))
                        .forEach(r -> r.getValue().path("content").fieldNames().forEachRemaining(produces::add));
                Set<String> roles = new TreeSet<>();
                for (JsonNode requirement : op.getValue().path("security")) {
                    requirement.elements().forEachRemaining(scopes -> scopes.forEach(r -> roles.add(r.asText())));
                }
                endpoints.add(new Endpoint(service, baseUrl, op.getKey().toUpperCase(), path.getKey(), pathParams,
                        queryParams, bodyTypes, roles, (produces.isEmpty() ? "*/*" : String.join(", ", produces)) + ", application/problem+json"));
            }
        }
        return endpoints;
    }

    private static List<JsonNode> concat(JsonNode a, JsonNode b) {
        List<JsonNode> all = new ArrayList<>();
        a.forEach(all::add);
        b.forEach(all::add);
        return all;
    }
}
