package dev.trainpod.deploy.rest;

import dev.trainpod.common.problem.ProblemException;
import dev.trainpod.common.security.Roles;
import dev.trainpod.deploy.repository.BenchReferenceRepository;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The create-deployment benchmark's reference (benchmarks/deploy): the least a create must do, a user's JWT checked
 * and one row committed, in the same service, on the same pools. Off (404) unless
 * {@code trainpod.bench.reference-endpoint=true}, which only the benchmark stack sets; not in the API document.
 */
@Path("/internal/bench/reference")
@RolesAllowed(Roles.USER)
public class BenchReferenceResource {

    private final BenchReferenceRepository references;
    private final JsonWebToken jwt;
    private final boolean enabled;

    public BenchReferenceResource(BenchReferenceRepository references, JsonWebToken jwt,
                                  @ConfigProperty(name = "trainpod.bench.reference-endpoint", defaultValue = "false")
                                  boolean enabled) {
        this.references = references;
        this.jwt = jwt;
        this.enabled = enabled;
    }

    @POST
    @Operation(hidden = true)
    public Uni<RestResponse<Void>> write() {
        if (!enabled) {
            throw ProblemException.notFound("Benchmark reference");
        }
        return references.insert(jwt.getSubject()).map(done -> RestResponse.status(RestResponse.Status.ACCEPTED));
    }
}
