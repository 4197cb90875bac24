package dev.trainpod.deploy.rest;

import dev.trainpod.common.security.Roles;
import dev.trainpod.deploy.client.CatalogCache;
import dev.trainpod.deploy.client.RunPodException;
import dev.trainpod.deploy.client.RunPodModels;
import dev.trainpod.deploy.problem.DeployProblems;
import dev.trainpod.deploy.vault.SecretVault;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** RunPod's GPU catalog, read with the user's key: ids, memory, prices and availability (cached briefly). */
@Tag(name = "GPU types", description = "RunPod's GPU catalog, read with your key.")
@Path("/api/v1/gpu-types")
@RolesAllowed(Roles.USER)
@Produces(MediaType.APPLICATION_JSON)
public class GpuTypesResource {

    private final CatalogCache catalogs;
    private final SecretVault vault;
    private final JsonWebToken jwt;

    public GpuTypesResource(CatalogCache catalogs, SecretVault vault, JsonWebToken jwt) {
        this.catalogs = catalogs;
        this.vault = vault;
        this.jwt = jwt;
    }

    @Operation(summary = "List RunPod's GPU types",
            description = "RunPod's GPU catalog read with your stored key: ids to use in gpu.types, memory, "
            + "prices per GPU-hour, per-pod maximum and capacity now.")
    @APIResponse(responseCode = "200", description = "The GPU types.")
    @APIResponse(responseCode = "409", description = "No RunPod key is stored (runpod-key-missing).")
    @APIResponse(responseCode = "502", description = "RunPod could not be asked (runpod-unavailable).")
    @GET
    public Uni<List<RunPodModels.CatalogGpu>> list() {
        return vault.currentCredentialId(jwt.getSubject()).chain(credential -> {
            if (credential.isEmpty()) {
                return Uni.createFrom().failure(DeployProblems.runPodKeyMissing());
            }
            return catalogs.catalog(credential.get(), () -> vault.openCredential(credential.get()))
                    .map(RunPodModels.GpuCatalog::gpus)
                    .onFailure(RunPodException.class).transform(e -> DeployProblems.runPodUnavailable(
                            "RunPod's GPU catalog could not be read (" + e.getMessage() + "); try again in a minute."));
        });
    }
}
