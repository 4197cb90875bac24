package dev.trainpod.devstack.shipping;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The gateway's route table (path prefix → service) as each deployment file states it. */
final class GatewayRoutes {

    private static final Pattern NGINX_LOCATION = Pattern.compile(
            "location ~ \\^/api/v1/\\(([^)]+)\\)\\(/\\|\\$\\) \\{[^}]*?proxy_pass http://(\\w+)_service;",
            Pattern.DOTALL);
    private static final Pattern ARCHITECTURE_ROW = Pattern.compile("^\\| (`/api[^|]+) \\| (\\S+-service) \\|$",
            Pattern.MULTILINE);

    private static final Pattern FILE_LOCATION = Pattern.compile(
            "location (= |~ )?(\\S+) \\{([^{}]*(?:\\{[^{}]*\\}[^{}]*)*)\\}", Pattern.DOTALL);

    private GatewayRoutes() {
    }

    /** An nginx location that answers from files or a redirect (no proxy_pass), as nginx matches a path to it. */
    record FileLocation(String modifier, String path) {

        boolean serves(String uri) {
            return switch (modifier) {
                case "= " -> uri.equals(path);
                case "~ " -> Pattern.compile(path).matcher(uri).find();
                default -> uri.startsWith(path);
            };
        }

        @Override
        public String toString() {
            return "location " + modifier + path;
        }
    }

    /** The locations of the compose gateway that serve files, not the services, nor the catch-all 404. */
    static List<FileLocation> fileLocations() {
        List<FileLocation> locations = new ArrayList<>();
        Matcher m = FILE_LOCATION.matcher(Repo.read("deploy/compose/nginx.conf"));
        while (m.find()) {
            if (!m.group(3).contains("proxy_pass") && !m.group(2).equals("/")) {
                locations.add(new FileLocation(m.group(1) == null ? "" : m.group(1), m.group(2)));
            }
        }
        return locations;
    }

    /** The routes to the services' API ({@code /api/v1/...}). */
    static Map<String, String> api(Map<String, String> routes) {
        Map<String, String> api = new TreeMap<>(routes);
        api.keySet().removeIf(p -> !p.startsWith("/api/v1/"));
        return api;
    }

    /** Whether a Kubernetes path prefix ({@code /} included) matches a path, as Prefix matching does. */
    static boolean matches(String prefix, String path) {
        return prefix.equals("/") || path.equals(prefix) || path.startsWith(prefix.endsWith("/") ? prefix : prefix + "/");
    }

    /** The backend of the longest Kubernetes route that matches the path ({@code /} included); null if none. */
    static String routeAny(Map<String, String> routes, String path) {
        String best = longestPrefix(routes, path);
        return best == null ? null : routes.get(best);
    }

    /** The longest Kubernetes route prefix that matches the path ({@code /} included); null if none. */
    static String longestPrefix(Map<String, String> routes, String path) {
        String best = null;
        for (String prefix : routes.keySet()) {
            if (matches(prefix, path) && (best == null || prefix.length() > best.length())) {
                best = prefix;
            }
        }
        return best;
    }

    static Map<String, String> nginx() {
        Map<String, String> routes = new TreeMap<>();
        Matcher m = NGINX_LOCATION.matcher(Repo.read("deploy/compose/nginx.conf"));
        while (m.find()) {
            for (String part : m.group(1).split("\\|")) {
                routes.put("/api/v1/" + part, m.group(2) + "-service");
            }
        }
        return routes;
    }

    static Map<String, String> httpRoutes(List<JsonNode> rendered) {
        Map<String, String> routes = new TreeMap<>();
        rendered.stream().filter(d -> "HTTPRoute".equals(d.path("kind").asText()))
                .forEach(route -> route.at("/spec/rules").forEach(rule -> rule.path("matches").forEach(match ->
                        routes.put(match.at("/path/value").asText(), rule.at("/backendRefs/0/name").asText()))));
        return routes;
    }

    static Map<String, String> ingress(List<JsonNode> rendered) {
        Map<String, String> routes = new TreeMap<>();
        rendered.stream().filter(d -> "Ingress".equals(d.path("kind").asText()))
                .forEach(ing -> ing.at("/spec/rules").forEach(rule -> rule.at("/http/paths").forEach(p ->
                        routes.put(p.path("path").asText(), p.at("/backend/service/name").asText()))));
        return routes;
    }

    /** The route table of ../shared/ARCHITECTURE.md, or empty where that file is not beside the repository. */
    static Map<String, String> architecture() {
        var doc = Repo.ROOT.resolveSibling("shared").resolve("ARCHITECTURE.md");
        Map<String, String> routes = new TreeMap<>();
        if (!Files.exists(doc)) {
            return routes;
        }
        Matcher m = ARCHITECTURE_ROW.matcher(Repo.read(Repo.ROOT.relativize(doc).toString()));
        while (m.find()) {
            for (String prefix : m.group(1).split(",")) {
                routes.put(prefix.trim().replace("`", ""), m.group(2));
            }
        }
        return routes;
    }

    /** The paths of a service's OpenAPI document, as its build wrote it to target/openapi. */
    static List<String> openApiPaths(String service) {
        var file = Repo.path(service + "/target/openapi/openapi.json");
        if (!Files.exists(file)) {
            throw new AssertionError(file + " is missing: build " + service + " first (./mvnw package)");
        }
        List<String> paths = new ArrayList<>();
        Repo.documents(Repo.read(Repo.ROOT.relativize(file).toString())).get(0).path("paths")
                .fieldNames().forEachRemaining(paths::add);
        return paths;
    }

    /** The service a path is routed to: the longest prefix that is the path or a parent of it; null if none. */
    static String route(Map<String, String> routes, String path) {
        String best = null;
        for (String prefix : routes.keySet()) {
            boolean matches = path.equals(prefix) || path.startsWith(prefix + "/");
            if (matches && (best == null || prefix.length() > best.length())) {
                best = prefix;
            }
        }
        return best == null ? null : routes.get(best);
    }
}
