package dev.trainpod.common.http;

import dev.trainpod.common.problem.Problem;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Guards every request body before anything reads it. A body declared larger than
 * {@code quarkus.http.limits.max-body-size} is answered 413 as problem+json (Quarkus's own check answers with an
 * empty body). A body still arriving must advance by {@code trainpod.http.min-body-bytes-per-interval} every
 * {@code trainpod.http.body-check-interval}, or it is answered 408 and its connection closed: the idle timeout only
 * catches a client that sends nothing, and one that trickles a byte now and then would otherwise hold its
 * connection, and the worker thread reading its upload, for as long as it liked.
 */
@ApplicationScoped
public class RequestBodyGuard {

    private static final Logger LOG = Logger.getLogger(RequestBodyGuard.class);

    private final long maxBodyBytes;
    private final long intervalMillis;
    private final long minBytes;

    public RequestBodyGuard(RequestBodyConfig config,
                            @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K")
                            MemorySize maxBodySize) {
        this.maxBodyBytes = maxBodySize.asLongValue();
        this.intervalMillis = config.bodyCheckInterval().toMillis();
        this.minBytes = config.minBodyBytesPerInterval().asLongValue();
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::guard);
    }

    private void guard(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (declaredLength(request) > maxBodyBytes) {
            refuse(request, ctx.response(), Problem.of(413, "body-too-large", "Request body too large",
                    "A request body may have at most " + maxBodyBytes + " bytes here."));
            return;
        }
        if (!request.isEnded() && hasBody(request)) {
            watch(ctx);
        }
        ctx.next();
    }

    private void watch(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        Vertx vertx = ctx.vertx();
        long[] seen = {request.bytesRead()};
        long timer = vertx.setPeriodic(intervalMillis, id -> {
            if (request.isEnded() || ctx.response().ended() || ctx.response().closed()) {
                vertx.cancelTimer(id);
            } else if (request.bytesRead() - seen[0] < minBytes) {
                vertx.cancelTimer(id);
                LOG.warnf("closing the connection of %s %s from %s: its body sent less than %d bytes in %d ms",
                        request.method(), request.path(), request.remoteAddress(), minBytes, intervalMillis);
                refuse(request, ctx.response(), Problem.of(408, "body-too-slow", "Request timeout",
                        "The request body arrived too slowly (less than " + minBytes + " bytes in " + intervalMillis
                                + " ms); nothing of it was kept. Send it again."));
            } else {
                seen[0] = request.bytesRead();
            }
        });
        ctx.addEndHandler(done -> vertx.cancelTimer(timer));
    }

    /** Answers the problem, if nothing was answered yet, and closes the connection: the rest of the body is unread. */
    private static void refuse(HttpServerRequest request, HttpServerResponse response, Problem problem) {
        if (response.headWritten()) {
            request.connection().close();
            return;
        }
        response.setStatusCode(problem.status()).putHeader("Content-Type", Problem.MEDIA_TYPE)
                .putHeader("Connection", "close")
                .end(Json.encode(problem)).onComplete(sent -> request.connection().close());
    }

    /**
     * Whether the request has a body to arrive (HTTP/1.1: a positive Content-Length or chunked encoding). A GET has
     * none, and its request may stay "not ended" while a long answer streams (SSE): it must not be timed.
     */
    private static boolean hasBody(HttpServerRequest request) {
        String encoding = request.getHeader("Transfer-Encoding");
        return declaredLength(request) > 0 || (encoding != null && encoding.toLowerCase().contains("chunked"));
    }

    private static long declaredLength(HttpServerRequest request) {
        try {
            String length = request.getHeader("Content-Length");
            return length == null ? -1 : Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
