package dev.trainpod.deploy.rest;

import dev.trainpod.common.security.Roles;
import dev.trainpod.deploy.api.DeploymentRequest;
import dev.trainpod.deploy.problem.DeployProblems;
import dev.trainpod.deploy.api.CostEstimate;
import dev.trainpod.deploy.service.DeploymentService;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** What a deployment body would take and cost, before anything is started. */
@Tag(name = "Estimates", description = "Cost and runtime estimates before starting.")
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

    @Operation(summary = "Estimate a deployment's runtime and cost",
            description = "Runs the pre-flight checks the estimate needs and answers a low/high runtime "
            + "(minutes) and cost (USD) on the first GPU candidate RunPod offers, with the "
            + "assumptions. Starts nothing.")
    @APIResponse(responseCode = "200", description = "The estimate.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = dev.trainpod.deploy.api.CostEstimate.class),
                    examples = @ExampleObject(name = "example",
                    value = "{\"runtimeMinutes\":{\"low\":4,\"high\":9},\"costUsd\":{\"low\":0.02,\"high\":0.05},\"gpuType\":\"NVIDIA RTX A4000\",\"pricePerHour\":0.17,\"memoryNeededGb\":6.1,\"assumptions\":[\"1 epoch of 120 rows\"]}")))
    @APIResponse(responseCode = "400", description = "No body (body-required) or malformed JSON (malformed-json).")
    @APIResponse(responseCode = "422", description = "The request cannot be estimated (estimate-failed); errors names each field.")
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<CostEstimate> estimate(DeploymentRequest request) {
        if (request == null) {
            throw DeployProblems.bodyRequired("Send a deployment body as JSON.");
        }
        return deployments.estimate(jwt.getSubject(), request);
    }
}
