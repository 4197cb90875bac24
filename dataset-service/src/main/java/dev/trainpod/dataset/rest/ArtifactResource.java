package dev.trainpod.dataset.rest;

import dev.trainpod.common.security.Roles;
import dev.trainpod.dataset.Artifact;
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

/** A user's artifacts: the files their deployments' pods uploaded; another user's answer 404. */
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
