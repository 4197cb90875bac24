package dev.trainpod.dataset.rest;

import dev.trainpod.common.security.DeployTokens;
import dev.trainpod.common.security.Roles;
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

/**
 * Lets a pod exchange its job token for a fresh dataset download link, e.g. when the one it was started with
 * expired while it waited for a GPU; only while its deployment is live.
 */
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
