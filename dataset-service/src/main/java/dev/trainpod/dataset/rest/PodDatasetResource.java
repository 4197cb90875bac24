package dev.trainpod.dataset.rest;

import dev.trainpod.common.security.DeployTokens;
import dev.trainpod.common.security.Roles;
import dev.trainpod.dataset.api.PodDatasetLink;
import dev.trainpod.dataset.config.DatasetConfig;
import dev.trainpod.dataset.problem.DatasetProblems;
import dev.trainpod.dataset.service.DownloadTokenService;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
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

/**
 * Lets a pod exchange its job token for a fresh dataset download link, e.g. when the one it was started with
 * expired while it waited for a GPU; only while its deployment is live.
 */
@Tag(name = "Pod: dataset", description = "The pod's dataset download and links (job token or download token).")
@Path("/api/v1/pod/dataset")
@RolesAllowed(Roles.JOB)
@Produces(MediaType.APPLICATION_JSON)
public class PodDatasetResource {

    private final DownloadTokenService tokens;
    private final DatasetConfig config;
    private final JsonWebToken jwt;

    public PodDatasetResource(DownloadTokenService tokens, DatasetConfig config, JsonWebToken jwt) {
        this.tokens = tokens;
        this.config = config;
        this.jwt = jwt;
    }

    @Operation(summary = "Get a fresh dataset download link (pod)",
            description = "Mints a new download link for the deployment of the job token (its dataset, "
            + "checksum, size and expiry).")
    @APIResponse(responseCode = "200", description = "The link.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = PodDatasetLink.class),
                    examples = @ExampleObject(name = "example", value = "{\"url\":\"https://trainpod.example/api/v1/downloads/q3Vx0Yb8k2mZrT5nJwLcA7sD9fGhE1uIoP4aQ6eR2tY\",\"sha256\":\"4c1f0e5b9d2a7c3e8f6b1a0d9e2c4b7a5f3e1d0c9b8a7f6e5d4c3b2a1f0e9d8c\",\"bytes\":18342,\"expiresAt\":\"2026-12-06T13:00:00Z\"}")))
    @APIResponse(responseCode = "404", description = "The deployment is not known yet (deployment-not-found) or its dataset is gone "
            + "(not-found).")
    @APIResponse(responseCode = "410", description = "The deployment has ended (deployment-ended).")
    @APIResponse(responseCode = "422", description = "Its dataset failed validation (dataset-invalid).")
    /**
     * A newly minted link (200) with the default lifetime and uses; 404 if the deployment or its dataset is not
     * known, 410 if the deployment has ended, 422 if its dataset did not pass validation.
     */
    @POST
    public Uni<PodDatasetLink> refresh() {
        return Uni.createFrom().item(() -> DeployTokens.deployment(jwt))
                .onItem().ifNull().failWith(DatasetProblems::deploymentNotFound)
                .chain(deployment -> tokens.refresh(deployment, config.tokenTtl(), config.tokenMaxUses()))
                .map(issued -> new PodDatasetLink(DownloadResource.url(config, issued.secret()),
                        issued.dataset().sha256, issued.dataset().bytes, issued.token().expiresAt));
    }
}
