package dev.trainpod.deploy.rest;

import dev.trainpod.common.job.BenchHold;
import dev.trainpod.common.outbox.OutboxRelay;
import dev.trainpod.common.problem.ProblemException;
import dev.trainpod.common.security.Roles;
import dev.trainpod.deploy.repository.BenchReferenceRepository;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The create-deployment benchmark's endpoints (benchmarks/deploy), all off (404) unless
 * {@code trainpod.bench.reference-endpoint=true}, which only the benchmark stacks set; none is in the API document.
 * <ul>
 * <li>{@code POST /internal/bench/reference}: the reference, the least a create must do, a user's JWT checked and
 * one row committed, in the same service, on the same pools.</li>
 * <li>{@code POST /internal/bench/hold?seconds=N} and {@code DELETE /internal/bench/hold}: hold and release the
 * service's asynchronous work ({@link BenchHold}: the outbox relay and the provisioning), so that the benchmark
 * measures the accept path of a create apart from the fan-out it starts, then the fan-out apart. A hold lapses by
 * itself after {@code seconds} (at most {@link BenchHold#MAX}); the release wakes the relay at once.</li>
 * </ul>
 */
@Path("/internal/bench")
@RolesAllowed(Roles.USER)
public class BenchReferenceResource {

    private static final Logger LOG = Logger.getLogger(BenchReferenceResource.class);

    private final BenchReferenceRepository references;
    private final JsonWebToken jwt;
    private final BenchHold hold;
    private final OutboxRelay relay;
    private final boolean enabled;

    public BenchReferenceResource(BenchReferenceRepository references, JsonWebToken jwt, BenchHold hold,
                                  OutboxRelay relay,
                                  @ConfigProperty(name = "trainpod.bench.reference-endpoint", defaultValue = "false")
                                  boolean enabled) {
        this.references = references;
        this.jwt = jwt;
        this.hold = hold;
        this.relay = relay;
        this.enabled = enabled;
    }

    @POST
    @Path("/reference")
    @Operation(hidden = true)
    public Uni<RestResponse<Void>> write() {
        requireEnabled();
        return references.insert(jwt.getSubject()).map(done -> RestResponse.status(RestResponse.Status.ACCEPTED));
    }

    @POST
    @Path("/hold")
    @Operation(hidden = true)
    public RestResponse<Void> hold(@QueryParam("seconds") @DefaultValue("120") long seconds) {
        requireEnabled();
        hold.hold(Duration.ofSeconds(Math.max(0, seconds)));
        LOG.infof("benchmark: outbox relay and provisioning held for at most %d s", hold.left().toSeconds());
        return RestResponse.status(RestResponse.Status.ACCEPTED);
    }

    @DELETE
    @Path("/hold")
    @Operation(hidden = true)
    public RestResponse<Void> release() {
        requireEnabled();
        hold.release();
        relay.wake();
        LOG.info("benchmark: outbox relay and provisioning released");
        return RestResponse.status(RestResponse.Status.ACCEPTED);
    }

    private void requireEnabled() {
        if (!enabled) {
            throw ProblemException.notFound("Benchmark endpoint");
        }
    }
}
