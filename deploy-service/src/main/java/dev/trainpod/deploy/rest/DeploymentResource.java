package dev.trainpod.deploy.rest;

import dev.trainpod.common.problem.ProblemException;
import dev.trainpod.common.security.Roles;
import dev.trainpod.deploy.DeploymentTransition;
import dev.trainpod.deploy.service.DeploymentService;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.RestResponse;

/** The user's deployments: create (after pre-flight checks), read, follow, cancel and retry. */
@Path("/api/v1/deployments")
@RolesAllowed(Roles.USER)
@Produces(MediaType.APPLICATION_JSON)
public class DeploymentResource {

    private static final int MAX_IDEMPOTENCY_KEY = 200;

    private final DeploymentService deployments;
    private final JsonWebToken jwt;

    public DeploymentResource(DeploymentService deployments, JsonWebToken jwt) {
        this.deployments = deployments;
        this.jwt = jwt;
    }

    /** A transition as the user reads it. */
    public record TransitionView(String status, String reason, String message, Instant at) {
        static TransitionView of(DeploymentTransition t) {
            return new TransitionView(t.status.name(), t.reason, t.message, t.at);
        }
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<DeploymentView>> create(@HeaderParam("Idempotency-Key") String idempotencyKey,
                                                    DeploymentRequest request) {
        if (request == null) {
            throw ProblemException.badRequest("body-required", "Send the deployment as a JSON body.");
        }
        if (idempotencyKey != null && idempotencyKey.length() > MAX_IDEMPOTENCY_KEY) {
            throw ProblemException.badRequest("idempotency-key-too-long",
                    "Idempotency-Key may have at most " + MAX_IDEMPOTENCY_KEY + " characters.");
        }
        return deployments.create(jwt.getSubject(), request, idempotencyKey)
                .map(d -> RestResponse.status(RestResponse.Status.ACCEPTED, DeploymentView.of(d)));
    }

    @GET
    public Uni<List<DeploymentView>> list() {
        return deployments.list(jwt.getSubject()).map(l -> l.stream().map(DeploymentView::of).toList());
    }

    @GET
    @Path("/{id}")
    public Uni<DeploymentView> get(@PathParam("id") UUID id) {
        return deployments.view(jwt.getSubject(), id);
    }

    @GET
    @Path("/{id}/events")
    public Uni<List<TransitionView>> events(@PathParam("id") UUID id) {
        return deployments.transitions(jwt.getSubject(), id).map(l -> l.stream().map(TransitionView::of).toList());
    }

    @POST
    @Path("/{id}/retry")
    public Uni<RestResponse<DeploymentView>> retry(@PathParam("id") UUID id) {
        return deployments.retry(jwt.getSubject(), id)
                .map(d -> RestResponse.status(RestResponse.Status.ACCEPTED, DeploymentView.of(d)));
    }

    @POST
    @Path("/{id}/cancel")
    public Uni<RestResponse<DeploymentView>> cancel(@PathParam("id") UUID id) {
        return deployments.cancel(jwt.getSubject(), id)
                .map(d -> RestResponse.status(RestResponse.Status.ACCEPTED, DeploymentView.of(d)));
    }
}
