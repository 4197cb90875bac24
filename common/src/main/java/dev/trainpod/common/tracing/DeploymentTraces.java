package dev.trainpod.common.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.MDC;

/**
 * Puts work that scheduled jobs do for one deployment (provisioning, terminating its pod) into that deployment's
 * trace: a span whose parent is the {@code traceparent} of the deployment's first outbox row (its
 * {@code DeploymentRequested}, written by the request). With tracing off it only runs the work.
 */
@ApplicationScoped
public class DeploymentTraces {

    private static final String FIRST_TRACEPARENT = "SELECT traceparent FROM outbox_event"
            + " WHERE aggregate_id = $1 AND traceparent IS NOT NULL ORDER BY seq LIMIT 1";

    private final Pool pool;
    private final Tracer tracer;
    private final boolean disabled;

    public DeploymentTraces(Pool pool, Tracer tracer,
                            @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false")
                            boolean disabled) {
        this.pool = pool;
        this.tracer = tracer;
        this.disabled = disabled;
    }

    /** Runs the work in a span named {@code operation} of the deployment's trace (a new trace if it has none). */
    public Uni<Void> within(String operation, UUID deploymentId, Supplier<Uni<Void>> work) {
        if (disabled) {
            return Uni.createFrom().deferred(work::get);
        }
        return pool.preparedQuery(FIRST_TRACEPARENT).execute(Tuple.of(deploymentId.toString()))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString("traceparent"))
                .onFailure().recoverWithNull()
                .chain(traceparent -> {
                    Span span = tracer.spanBuilder(operation)
                            .setParent(TraceHeaders.parent(traceparent))
                            .setAttribute("trainpod.deployment.id", deploymentId.toString())
                            .startSpan();
                    // Only a duplicated Vert.x context keeps it current across the work's callbacks.
                    Scope scope = VertxContext.isOnDuplicatedContext() ? span.makeCurrent() : Scope.noop();
                    MDC.put("deploymentId", deploymentId.toString());
                    return Uni.createFrom().deferred(work::get).onTermination().invoke((item, failure, cancelled) -> {
                        if (failure != null) {
                            span.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
                        }
                        span.end();
                        scope.close();
                        MDC.remove("deploymentId");
                    });
                });
    }
}
