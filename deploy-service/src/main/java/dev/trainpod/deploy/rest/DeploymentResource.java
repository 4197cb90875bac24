package dev.trainpod.deploy.rest;

import dev.trainpod.common.security.Roles;
import dev.trainpod.deploy.api.DeploymentRequest;
import dev.trainpod.deploy.api.DeploymentView;
import dev.trainpod.deploy.api.TransitionView;
import dev.trainpod.deploy.problem.DeployProblems;
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
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.RestResponse;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;

/** The user's deployments: create (after pre-flight checks), read, follow, cancel and retry. */
@Tag(name = "Deployments", description = "Fine-tuning deployments: start (with pre-flight checks), follow, cancel, retry.")
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

    @Operation(summary = "Start a deployment",
            description = "Runs every pre-flight check (dataset, model, GPU types and memory, limits, "
            + "hyperparameters, the RunPod key, the cost estimate against maxCostUsd) and, when "
            + "all pass, accepts the deployment: it is stored PENDING and a pod is provisioned "
            + "asynchronously. Every failing check is reported at once (422); nothing is "
            + "started then. With an Idempotency-Key, a repeated request answers the deployment "
            + "the first one made.")
    @Parameter(name = "Idempotency-Key", in = ParameterIn.HEADER, description = "Any string up to 200 characters; a request repeated with the same key answers "
            + "the deployment the first one made instead of starting another.")
    @APIResponse(responseCode = "202", description = "Accepted: the deployment, PENDING.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = DeploymentView.class),
                    examples = @ExampleObject(name = "example",
                    value = "{\"id\":\"6f1c2a9e-4b7d-4c1e-9a53-2f8e0d7b1c44\",\"status\":\"PENDING\",\"datasetId\":\"0b9e5c61-3a2f-4d8e-b1c7-9f4a6e2d8c10\",\"baseModel\":\"Qwen/Qwen2.5-0.5B\",\"method\":\"SFT\",\"gpuCount\":1,\"cloud\":\"SECURE\",\"costUsd\":0,\"billedSeconds\":0,\"createdAt\":\"2026-12-06T11:00:00Z\"}")))
    @APIResponse(responseCode = "400", description = "No body (body-required), an Idempotency-Key over 200 characters "
            + "(idempotency-key-too-long), or JSON of the wrong shape (malformed-json).")
    @APIResponse(responseCode = "422", description = "A pre-flight check failed (preflight-failed); each entry of errors has a code "
            + "and a hint.",
            content = @Content(mediaType = "application/problem+json", examples = @ExampleObject(name = "example",
                    value = "{\"type\":\"https://trainpod.dev/problems/preflight-failed\",\"title\":\"Unprocessable request\",\"status\":422,\"detail\":\"The deployment failed its pre-flight checks; nothing was started.\",\"errors\":[{\"field\":\"gpu.types[0]\",\"code\":\"GPU_TYPE_UNKNOWN\",\"message\":\"RunPod has no GPU type \\\"A4000\\\".\",\"hint\":\"Use an id from GET /api/v1/gpu-types (ids, not display names).\"}]}")))
    @APIResponse(responseCode = "429", description = "You hold as many live or waiting deployments as a user may "
            + "(deployment-quota-exceeded); nothing was stored.")
    @APIResponse(responseCode = "503", description = "The dataset could not be checked (dataset-service-unavailable) or the database "
            + "is unreachable (service-unavailable).")
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<DeploymentView>> create(@HeaderParam("Idempotency-Key") String idempotencyKey,
                                                    DeploymentRequest request) {
        if (request == null) {
            throw DeployProblems.bodyRequired("Send the deployment as a JSON body.");
        }
        if (idempotencyKey != null && idempotencyKey.length() > MAX_IDEMPOTENCY_KEY) {
            throw DeployProblems.idempotencyKeyTooLong(MAX_IDEMPOTENCY_KEY);
        }
        return deployments.create(jwt.getSubject(), request, idempotencyKey)
                .map(d -> RestResponse.status(RestResponse.Status.ACCEPTED, DeploymentView.of(d)));
    }

    @Operation(summary = "List your deployments",
            description = "Every deployment of the caller, newest first.")
    @APIResponse(responseCode = "200", description = "Your deployments.")
    @GET
    public Uni<List<DeploymentView>> list() {
        return deployments.list(jwt.getSubject()).map(l -> l.stream().map(DeploymentView::of).toList());
    }

    @Operation(summary = "Read a deployment",
            description = "Its state, pod, cost so far and, once ended, why.")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "The deployment's id (a UUID); another user's id answers 404 like an unknown one.")
    @APIResponse(responseCode = "200", description = "The deployment.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = DeploymentView.class),
                    examples = @ExampleObject(name = "example",
                    value = "{\"id\":\"6f1c2a9e-4b7d-4c1e-9a53-2f8e0d7b1c44\",\"status\":\"PENDING\",\"datasetId\":\"0b9e5c61-3a2f-4d8e-b1c7-9f4a6e2d8c10\",\"baseModel\":\"Qwen/Qwen2.5-0.5B\",\"method\":\"SFT\",\"gpuCount\":1,\"cloud\":\"SECURE\",\"costUsd\":0,\"billedSeconds\":0,\"createdAt\":\"2026-12-06T11:00:00Z\"}")))
    @APIResponse(responseCode = "404", description = "No deployment of yours has this id (not-found).")
    @GET
    @Path("/{id}")
    public Uni<DeploymentView> get(@PathParam("id") UUID id) {
        return deployments.view(jwt.getSubject(), id);
    }

    @Operation(summary = "List a deployment's state changes",
            description = "Every transition of the deployment's state machine, oldest first, with its "
            + "reason and message.")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "The deployment's id (a UUID); another user's id answers 404 like an unknown one.")
    @APIResponse(responseCode = "200", description = "The transitions.")
    @APIResponse(responseCode = "404", description = "No deployment of yours has this id (not-found).")
    @GET
    @Path("/{id}/events")
    public Uni<List<TransitionView>> events(@PathParam("id") UUID id) {
        return deployments.transitions(jwt.getSubject(), id).map(l -> l.stream().map(TransitionView::of).toList());
    }

    @Operation(summary = "Retry an ended deployment",
            description = "Starts a new deployment with the same request (its retryOf names this one), "
            + "after the pre-flight checks.")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "The deployment's id (a UUID); another user's id answers 404 like an unknown one.")
    @APIResponse(responseCode = "202", description = "Accepted: the new deployment.")
    @APIResponse(responseCode = "404", description = "No deployment of yours has this id (not-found).")
    @APIResponse(responseCode = "409", description = "The deployment has not ended (deployment-not-ended).")
    @APIResponse(responseCode = "422", description = "A pre-flight check failed (preflight-failed).")
    @APIResponse(responseCode = "429", description = "Quota of live deployments reached (deployment-quota-exceeded).")
    @POST
    @Path("/{id}/retry")
    public Uni<RestResponse<DeploymentView>> retry(@PathParam("id") UUID id) {
        return deployments.retry(jwt.getSubject(), id)
                .map(d -> RestResponse.status(RestResponse.Status.ACCEPTED, DeploymentView.of(d)));
    }

    @Operation(summary = "Cancel a deployment",
            description = "Ends the deployment CANCELLED and terminates its pod (asynchronously; "
            + "podTerminatedAt says when it stopped billing). Cancelling an ended deployment "
            + "answers it unchanged.")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "The deployment's id (a UUID); another user's id answers 404 like an unknown one.")
    @APIResponse(responseCode = "202", description = "Accepted: the deployment, CANCELLED or already ended.")
    @APIResponse(responseCode = "404", description = "No deployment of yours has this id (not-found).")
    @POST
    @Path("/{id}/cancel")
    public Uni<RestResponse<DeploymentView>> cancel(@PathParam("id") UUID id) {
        return deployments.cancel(jwt.getSubject(), id)
                .map(d -> RestResponse.status(RestResponse.Status.ACCEPTED, DeploymentView.of(d)));
    }
}
