package dev.trainpod.dataset.rest;

import dev.trainpod.common.security.Roles;
import dev.trainpod.dataset.Artifact;
import dev.trainpod.dataset.api.ArtifactView;
import dev.trainpod.dataset.problem.DatasetProblems;
import dev.trainpod.dataset.service.ArtifactRecords;
import dev.trainpod.dataset.service.Await;
import dev.trainpod.dataset.service.ByteRange;
import dev.trainpod.dataset.service.RangeNotSatisfiableException;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** A user's artifacts: the files their deployments' pods uploaded; another user's answer 404. */
@Tag(name = "Artifacts", description = "What your deployments' pods stored: adapters, checkpoints, files.")
@Path("/api/v1/artifacts")
@RolesAllowed(Roles.USER)
public class ArtifactResource {

    private final ArtifactRecords artifacts;
    private final StoredContent content;
    private final JsonWebToken jwt;

    public ArtifactResource(ArtifactRecords artifacts, StoredContent content, JsonWebToken jwt) {
        this.artifacts = artifacts;
        this.content = content;
        this.jwt = jwt;
    }

    @Operation(summary = "List your artifacts",
            description = "The complete artifacts (adapters, checkpoints, metrics files) your deployments' "
            + "pods stored, oldest first.")
    @Parameter(name = "deploymentId", in = ParameterIn.QUERY, description = "Only the artifacts of this deployment (a UUID).")
    @APIResponse(responseCode = "200", description = "Your artifacts.")
    @APIResponse(responseCode = "400", description = "deploymentId is not a UUID (deployment-id-invalid).")
    /** The user's complete artifacts, of one deployment when {@code deploymentId} is given, oldest first. */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<List<ArtifactView>> list(@QueryParam("deploymentId") String deploymentId) {
        UUID deployment = null;
        if (deploymentId != null && !deploymentId.isBlank()) {
            try {
                deployment = UUID.fromString(deploymentId.strip());
            } catch (IllegalArgumentException e) {
                throw DatasetProblems.badHeader("deployment-id-invalid", "deploymentId must be a deployment's UUID.");
            }
        }
        return artifacts.list(jwt.getSubject(), deployment).map(all -> all.stream().map(ArtifactView::of).toList());
    }

    @Operation(summary = "Download an artifact",
            description = "The artifact's bytes (application/octet-stream), or the single Range asked for "
            + "(206).")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "The artifact's id.")
    @Parameter(name = "Range", in = ParameterIn.HEADER, description = "Optional single byte range, e.g. bytes=0-1048575.")
    @APIResponse(responseCode = "200", description = "The whole artifact.")
    @APIResponse(responseCode = "206", description = "The range asked for.")
    @APIResponse(responseCode = "404", description = "No artifact of yours has this id (not-found).")
    @APIResponse(responseCode = "416", description = "The range lies outside the artifact (range-not-satisfiable).")
    /** The artifact's bytes, or the single {@code Range} asked for (206). */
    @GET
    @Path("/{id}/content")
    @Blocking
    public Response content(@PathParam("id") UUID id, @HeaderParam("Range") String rangeHeader) {
        String user = jwt.getSubject();
        Artifact a = Await.result(() -> artifacts.get(id, user));
        ByteRange range = a.bytes == 0 ? new ByteRange(0, -1, 0, false)
                : ByteRange.parse(rangeHeader, a.bytes).orElseThrow(() -> new RangeNotSatisfiableException(a.bytes));
        Response.ResponseBuilder answer = Response.status(range.partial() ? 206 : 200)
                .type(MediaType.APPLICATION_OCTET_STREAM)
                .header(HttpHeaders.ETAG, "\"" + a.sha256 + "\"")
                .header("Accept-Ranges", "bytes")
                .header("Content-Disposition", "attachment; filename=\"" + a.name + "\"")
                .header(HttpHeaders.CACHE_CONTROL, "private, no-store");
        if (range.partial()) {
            answer.header("Content-Range", range.contentRange());
        }
        return content.send(answer, a.storageKey(), range).build();
    }
}
