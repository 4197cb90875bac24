package dev.trainpod.devstack.runpod;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Maps a method and an OpenAPI-style path template such as {@code /v2/pods/{id}} to a route. */
final class Router {

    /** A route's handling of one matched request. */
    @FunctionalInterface
    interface Route {
        ApiResponse handle(ApiRequest request);
    }

    /** One registered route with its template compiled to a pattern. */
    private record Entry(String method, String template, Pattern pattern, Route route) {
    }

    private static final Pattern PARAM = Pattern.compile("\\{[^/}]+}");

    private final List<Entry> entries = new ArrayList<>();

    Router add(String method, String template, Route route) {
        String regex = PARAM.matcher(Pattern.quote(template))
                .replaceAll(m -> Matcher.quoteReplacement("\\E([^/]+)\\Q"));
        entries.add(new Entry(method, template, Pattern.compile(regex), route));
        return this;
    }

    /** Every route as {@code "METHOD /template"}, for the OpenAPI conformance test. */
    List<String> operations() {
        return entries.stream().map(e -> e.method() + " " + e.template()).toList();
    }

    ApiResponse dispatch(ApiRequest request) {
        TreeSet<String> allowed = new TreeSet<>();
        for (Entry entry : entries) {
            Matcher matcher = entry.pattern().matcher(request.path());
            if (!matcher.matches()) {
                continue;
            }
            if (entry.method().equals(request.method())) {
                List<String> params = new ArrayList<>();
                for (int i = 1; i <= matcher.groupCount(); i++) {
                    params.add(matcher.group(i));
                }
                return entry.route().handle(request.withPathParams(params));
            }
            allowed.add(entry.method());
        }
        if (allowed.isEmpty()) {
            throw ApiProblem.notFound("No resource at " + request.path() + ".");
        }
        throw new ApiProblem(405, "The requested method is not allowed for this path.")
                .withHeader("Allow", String.join(", ", allowed));
    }
}
