package dev.trainpod.metrics.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.common.problem.Problem;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Answers a body declared larger than {@code quarkus.http.limits.max-body-size} with a 413 problem+json document.
 * Quarkus itself refuses such a body with an empty 413 from a route of order -2, before any mapper could
 * write a problem; this route runs just before it. A chunked body (no Content-Length) that grows past the limit
 * is still cut off by Quarkus while it is read, with an empty 413: pods always send a Content-Length.
 */
@ApplicationScoped
public class BodyLimitFilter {

    /** Just before Quarkus's own check, {@code RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT} (-2). */
    static final int ORDER = -3;

    void install(@Observes Router router, ObjectMapper json,
                 @ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        long limit = maxBodySize.asLongValue();
        String body = problem(json, limit);
        router.route().order(ORDER).handler(ctx -> {
            String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length != null && tooLarge(length, limit)) {
                ctx.response().setStatusCode(413)
                        .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                        .putHeader(HttpHeaders.CONNECTION, "close")
                        .end(body);
            } else {
                ctx.next();
            }
        });
    }

    private static String problem(ObjectMapper json, long limit) {
        try {
            return json.writeValueAsString(Problem.of(413, "body-too-large", "Request body too large",
                    "The request body may be at most " + limit + " bytes; send smaller batches."));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a problem document is always writable", e);
        }
    }

    private static boolean tooLarge(String contentLength, long limit) {
        try {
            return Long.parseLong(contentLength.strip()) > limit;
        } catch (NumberFormatException e) {
            return false; // not ours to judge: the HTTP layer rejects a malformed length
        }
    }
}
