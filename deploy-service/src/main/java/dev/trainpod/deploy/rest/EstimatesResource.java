package dev.trainpod.deploy.rest;

import dev.trainpod.common.security.Roles;
import dev.trainpod.deploy.problem.DeployProblems;
import dev.trainpod.deploy.service.CostEstimate;
import dev.trainpod.deploy.service.DeploymentService;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** What a deployment body would take and cost, before anything is started. */
@Path("/api/v1/estimates")
@RolesAllowed(Roles.USER)
@Produces(MediaType.APPLICATION_JSON)
public class EstimatesResource {

    private final DeploymentService deployments;
    private final JsonWebToken jwt;

    public EstimatesResource(DeploymentService deployments, JsonWebToken jwt) {
        this.deployments = deployments;
        this.jwt = jwt;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<CostEstimate> estimate(DeploymentRequest request) {
        if (request == null) {
            throw DeployProblems.bodyRequired("Send a deployment body as JSON.");
        }
        return deployments.estimate(jwt.getSubject(), request);
    }
}
