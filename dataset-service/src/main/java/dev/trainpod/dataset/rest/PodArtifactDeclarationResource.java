package dev.trainpod.dataset.rest;

import dev.trainpod.common.security.DeployTokens;
import dev.trainpod.common.security.Roles;
import dev.trainpod.dataset.api.ArtifactNames;
import dev.trainpod.dataset.api.DeclaredArtifacts;
import dev.trainpod.dataset.api.StoredArtifact;
import dev.trainpod.dataset.problem.DatasetProblems;
import dev.trainpod.dataset.service.ArtifactDeclarations;
import dev.trainpod.dataset.service.ArtifactRecords;
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
import java.util.List;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.RestResponse;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Where a pod declares that its uploaded artifacts are its final output (after the last upload, before its final
 * status): dataset-service then publishes {@code ArtifactsStored}, and no watchdog records the job as failed; and
 * where it lists what its deployment's pods uploaded (the checkpoints a replacement pod resumes from).
 */
@Tag(name = "Pod: artifacts", description = "The pod stores its artifacts and declares them final (job token).")
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
    @Operation(summary = "List the deployment's stored artifacts (pod)",
            description = "The complete artifacts of the job token's deployment, its earlier pods' included: a pod"
            + " that replaces a lost one finds the last checkpoint (checkpoint-<step>.tar) to resume from.")
    @APIResponse(responseCode = "200", description = "The artifacts, oldest first.",
            content = @Content(mediaType = "application/json",
                    schema = @Schema(type = SchemaType.ARRAY, implementation = StoredArtifact.class)))
    @APIResponse(responseCode = "404", description = "The deployment is not known yet (deployment-not-found).")
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<List<StoredArtifact>> list() {
        return Uni.createFrom().item(() -> DeployTokens.deployment(jwt))
                .onItem().ifNull().failWith(DatasetProblems::deploymentNotFound)
                .chain(records::ofDeployment)
                .map(all -> all.stream().map(a -> new StoredArtifact(a.id, a.name, a.bytes, a.sha256)).toList());
    }

    @Operation(summary = "Declare the artifacts final (pod)",
            description = "Declares the named artifacts the deployment's final output; dataset-service then "
            + "publishes ArtifactsStored and the deployment cannot be failed for the pod's end. "
            + "A repeat answers the first declaration.")
    @APIResponse(responseCode = "201", description = "Declared.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = DeclaredArtifacts.class)))
    @APIResponse(responseCode = "200", description = "Already declared: the first declaration.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = DeclaredArtifacts.class)))
    @APIResponse(responseCode = "400", description = "No body or an invalid list (invalid-request).")
    @APIResponse(responseCode = "404", description = "The deployment is not known yet (deployment-not-found).")
    @APIResponse(responseCode = "409", description = "An artifact is not stored complete (artifacts-incomplete).")
    @APIResponse(responseCode = "410", description = "The deployment has ended (deployment-ended).")
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
                .chain(deployment -> declarations.declare(deployment, DeployTokens.owner(jwt).orElse(null),
                        body.names()))
                .map(declared -> RestResponse.status(declared.created() ? RestResponse.Status.CREATED
                        : RestResponse.Status.OK, DeclaredArtifacts.of(declared.event())));
    }
}
