package dev.trainpod.dataset.rest;

import dev.trainpod.common.security.DeployTokens;
import dev.trainpod.common.security.Roles;
import dev.trainpod.dataset.problem.DatasetProblems;
import dev.trainpod.dataset.service.ArtifactDeclarations;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * Where a pod declares that its uploaded artifacts are its final output (after the last upload, before its final
 * status): dataset-service then publishes {@code ArtifactsStored}, and no watchdog records the job as failed.
 */
@Path("/api/v1/pod/artifacts")
@RolesAllowed(Roles.JOB)
public class PodArtifactDeclarationResource {

    private final ArtifactDeclarations declarations;
    private final JsonWebToken jwt;

    public PodArtifactDeclarationResource(ArtifactDeclarations declarations, JsonWebToken jwt) {
        this.declarations = declarations;
        this.jwt = jwt;
    }

    /**
     * Declares the named artifacts final: 201 with them the first time, 200 with the first declaration on a
     * repeat; 409 if one is not stored complete, 404 if the deployment is not known, 410 if it has ended.
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<DeclaredArtifacts>> declare(
            @NotNull(message = "a JSON body is required, e.g. {\"names\": [\"adapter_model.safetensors\"]}") @Valid
            ArtifactNames body) {
        return Uni.createFrom().item(() -> DeployTokens.deployment(jwt))
                .onItem().ifNull().failWith(DatasetProblems::deploymentNotFound)
                .chain(deployment -> declarations.declare(deployment, body.names()))
                .map(declared -> RestResponse.status(declared.created() ? RestResponse.Status.CREATED
                        : RestResponse.Status.OK, DeclaredArtifacts.of(declared.event())));
    }
}
