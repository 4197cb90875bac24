package dev.trainpod.common.http;

import dev.trainpod.common.problem.Problem;

/**
 * One route's own body limit, at most the service's {@code quarkus.http.limits.max-body-size} (which Quarkus
 * enforces on every body, declared or chunked): a service
 * declares it as a CDI bean beside the route, and {@link RequestBodyGuard} refuses a request to the route that
 * declares a longer body with {@code problem} before any byte of it is read. A multipart body may be larger by
 * {@link RequestBodyGuard#MULTIPART_OVERHEAD} (its boundaries and part headers).
 *
 * @param method  the HTTP method, e.g. {@code POST}
 * @param path    the request path exactly (no template)
 * @param maxBytes the longest body the route takes
 * @param problem the answer to a longer one (a 413 with a hint)
 */
public record BodyLimit(String method, String path, long maxBytes, Problem problem) {

    /** Whether this limit is the route's that the request names. */
    boolean covers(String requestMethod, String requestPath) {
        return method.equalsIgnoreCase(requestMethod) && path.equals(requestPath);
    }
}
