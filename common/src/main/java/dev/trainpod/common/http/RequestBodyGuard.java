package dev.trainpod.common.http;

import dev.trainpod.common.problem.Problem;
import io.quarkus.arc.All;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Guards every request body before anything reads it: the one body-limit mechanism of every service. A body
 * declared larger than its limit is answered 413 as problem+json with a hint (Quarkus's own check answers with an
 * empty body); the limit is, in this order, {@code trainpod.http.max-json-body-size} for a JSON body, the route's own
 * {@link BodyLimit} (declared as a bean beside the route, answered with its problem), and
 * {@code quarkus.http.limits.max-body-size}. A body without a declared length (chunked) is measured as it arrives:
 * by Quarkus against {@code max-body-size}, and by the route's reader against its own limit.
 *
 * <p>A body still arriving must advance by {@code trainpod.http.min-body-bytes-per-interval} every
 * {@code trainpod.http.body-check-interval}, or it is answered 408 and its connection closed: the idle timeout only
 * catches a client that sends nothing, and one that trickles a byte now and then would otherwise hold its
 * connection, and the worker thread reading its upload, for as long as it liked.
 */
@ApplicationScoped
public class RequestBodyGuard {

    private static final Logger LOG = Logger.getLogger(RequestBodyGuard.class);

    /** Room a multipart body has above its route's limit, for the boundaries and part headers around the file. */
    public static final long MULTIPART_OVERHEAD = 64 * 1024;
    /** The longest refused body that is read (and discarded) after the answer; a longer one's connection is closed. */
    private static final long MAX_DRAINED_BYTES = 16 * 1024 * 1024;

    private final long maxBodyBytes;
    private final long maxJsonBytes;
    private final List<BodyLimit> routes;
    private final long intervalMillis;
    private final long minBytes;

    @Inject
    public RequestBodyGuard(RequestBodyConfig config,
                            @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K")
                            MemorySize maxBodySize, @All List<BodyLimit> routes) {
        this(maxBodySize.asLongValue(), config.maxJsonBodySize().map(MemorySize::asLongValue)
                        .orElse(maxBodySize.asLongValue()), routes, config.bodyCheckInterval().toMillis(),
                config.minBodyBytesPerInterval().asLongValue());
    }

    RequestBodyGuard(long maxBodyBytes, long maxJsonBytes, List<BodyLimit> routes, long intervalMillis,
                     long minBytes) {
        this.maxBodyBytes = maxBodyBytes;
        this.maxJsonBytes = maxJsonBytes;
        this.routes = List.copyOf(routes);
        this.intervalMillis = intervalMillis;
        this.minBytes = minBytes;
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::guard);
    }

    private void guard(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        Optional<Problem> refused = refusal(request.method().name(), request.path(),
                request.getHeader("Content-Type"), declaredLength(request));
        if (refused.isPresent()) {
            if (declaredLength(request) <= MAX_DRAINED_BYTES) {
                answerAndDrain(ctx, refused.get());
            } else {
                refuse(request, ctx.response(), refused.get());
            }
            return;
        }
        if (!request.isEnded() && hasBody(request)) {
            watch(ctx);
        }
        ctx.next();
    }

    /** The 413 a body that declares {@code declared} bytes gets ({@code -1}: none declared), if any. */
    Optional<Problem> refusal(String method, String path, String contentType, long declared) {
        String type = contentType == null ? "" : contentType.strip().toLowerCase(Locale.ROOT);
        if (declared > maxJsonBytes && type.startsWith("application/json")) {
            return Optional.of(tooLarge("A JSON request body may have at most " + maxJsonBytes + " bytes."));
        }
        for (BodyLimit route : routes) {
            if (route.covers(method, path)) {
                long allowed = route.maxBytes() + (type.startsWith("multipart/") ? MULTIPART_OVERHEAD : 0);
                return declared > allowed ? Optional.of(route.problem()) : Optional.empty();
            }
        }
        return declared > maxBodyBytes
                ? Optional.of(tooLarge("A request body may have at most " + maxBodyBytes + " bytes here."))
                : Optional.empty();
    }

    private static Problem tooLarge(String hint) {
        return Problem.of(413, "body-too-large", "Request body too large", hint);
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

    /**
     * Answers the problem at once and reads the body it refused, discarding it, so that a client that sends its whole
     * body before it reads the answer (most do) gets the answer rather than a broken connection; a body that has not
     * arrived within one check interval has its connection closed.
     */
    private void answerAndDrain(RoutingContext ctx, Problem problem) {
        HttpServerRequest request = ctx.request();
        long timer = ctx.vertx().setTimer(intervalMillis, id -> {
            if (!request.isEnded()) {
                request.connection().close();
            }
        });
        request.handler(ignored -> { }).endHandler(done -> ctx.vertx().cancelTimer(timer));
        request.resume();
        ctx.response().setStatusCode(problem.status()).putHeader("Content-Type", Problem.MEDIA_TYPE)
                .end(Json.encode(problem));
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
