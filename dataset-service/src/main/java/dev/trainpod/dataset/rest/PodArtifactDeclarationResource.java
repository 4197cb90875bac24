package dev.trainpod.dataset.rest;

import dev.trainpod.common.security.Roles;
import dev.trainpod.dataset.DatasetProblems;
import dev.trainpod.dataset.service.ArtifactDeclarations;
import dev.trainpod.dataset.service.ArtifactRecords;
import java.util.List;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * Where a pod declares that its uploaded artifacts are its final output (after the last upload, before its final
 * status): dataset-service then publishes {@code ArtifactsStored}, and no watchdog records the job as failed; and
 * where it lists what its deployment's pods uploaded (the checkpoints a replacement pod resumes from).
 */
@Path("/api/v1/pod/artifacts")
@RolesAllowed(Roles.JOB)
public class PodArtifactDeclarationResource {

    private final ArtifactDeclarations declarations;
    private final ArtifactRecords records;
    private final JsonWebToken jwt;

    public PodArtifactDeclarationResource(ArtifactDeclarations declarations, ArtifactRecords records,
                                          JsonWebToken jwt) {
        this.declarations = declarations;
        this.records = records;
        this.jwt = jwt;
    }

    /**
     * The deployment's complete artifacts, oldest first: what its earlier pods uploaded too, so that a pod that
     * replaces a lost one finds the last checkpoint to resume from.
     */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<List<StoredArtifact>> list() {
        return Uni.createFrom().item(() -> PodIdentity.deployment(jwt))
                .onItem().ifNull().failWith(DatasetProblems::deploymentNotFound)
                .chain(records::ofDeployment)
                .map(all -> all.stream().map(a -> new StoredArtifact(a.id, a.name, a.bytes, a.sha256)).toList());
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
        return Uni.createFrom().item(() -> PodIdentity.deployment(jwt))
                .onItem().ifNull().failWith(DatasetProblems::deploymentNotFound)
                .chain(deployment -> declarations.declare(deployment, body.names()))
                .map(declared -> RestResponse.status(declared.created() ? RestResponse.Status.CREATED
                        : RestResponse.Status.OK, DeclaredArtifacts.of(declared.event())));
    }
}
