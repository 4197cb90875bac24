package dev.trainpod.dataset.rest;

import dev.trainpod.common.security.DeployTokens;
import dev.trainpod.common.security.Roles;
import dev.trainpod.dataset.Artifact;
import dev.trainpod.dataset.api.StoredArtifact;
import dev.trainpod.dataset.api.UploadProgress;
import dev.trainpod.dataset.problem.DatasetProblems;
import dev.trainpod.dataset.service.ArtifactUploads;
import dev.trainpod.dataset.service.ByteRange;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Where a pod uploads what it produced, named by the pod, streamed to storage, resumable with
 * {@code Content-Range} chunks, and reads back or removes its deployment's checkpoints; the deployment is the job
 * token's subject.
 */
@Tag(name = "Pod: artifacts", description = "The pod stores its artifacts and declares them final (job token).")
@Path("/api/v1/pod/artifacts/{name}")
@RolesAllowed(Roles.JOB)
public class PodArtifactResource {

    private final ArtifactUploads uploads;
    private final StoredContent content;
    private final JsonWebToken jwt;

    public PodArtifactResource(ArtifactUploads uploads, StoredContent content, JsonWebToken jwt) {
        this.uploads = uploads;
        this.content = content;
        this.jwt = jwt;
    }

    /**
     * The bytes of the deployment's complete artifact (a checkpoint an earlier pod uploaded), with its SHA-256 as
     * the ETag; 404 if there is none.
     */
    @Operation(summary = "Read a stored artifact (pod)",
            description = "The bytes of the job token's deployment's complete artifact of that name, e.g. the last"
            + " checkpoint an earlier pod of the deployment stored; its SHA-256 is the ETag.")
    @APIResponse(responseCode = "200", description = "The artifact's bytes.")
    @APIResponse(responseCode = "404", description = "No complete artifact of that name (not-found).")
    @Parameter(name = "name", in = ParameterIn.PATH, description = "The artifact's file name, e.g. checkpoint-8.tar.")
    @GET
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Blocking
    public Response download(@PathParam("name") String name) {
        Artifact a = uploads.status(deployment(), name);
        if (a == null || !a.complete) {
            throw DatasetProblems.artifactNotFound();
        }
        Response.ResponseBuilder answer = Response.ok().type(MediaType.APPLICATION_OCTET_STREAM)
                .header(HttpHeaders.ETAG, "\"" + a.sha256 + "\"")
                .header(HttpHeaders.CACHE_CONTROL, "no-store");
        return content.send(answer, a.storageKey(), new ByteRange(0, a.bytes - 1, a.bytes, false)).build();
    }

    /** Forgets the artifact (a checkpoint the pod no longer keeps): 204; 404 if there is none. */
    @Operation(summary = "Remove a stored artifact (pod)",
            description = "Forgets the artifact and deletes its bytes: a checkpoint the pod no longer keeps.")
    @APIResponse(responseCode = "204", description = "Removed.")
    @APIResponse(responseCode = "404", description = "No artifact of that name (not-found).")
    @Parameter(name = "name", in = ParameterIn.PATH, description = "The artifact's file name, e.g. checkpoint-4.tar.")
    @DELETE
    @Blocking
    public Response remove(@PathParam("name") String name) {
        if (!uploads.remove(deployment(), name)) {
            throw DatasetProblems.artifactNotFound();
        }
        return Response.noContent().build();
    }

    @Operation(summary = "Upload an artifact (pod)",
            description = "Stores the body as the named artifact of the job token's deployment: the whole "
            + "file, or the chunk Content-Range names (resumable). With X-Trainpod-Sha256 the "
            + "complete file is checked.")
    @Parameter(name = "name", in = ParameterIn.PATH, description = "The artifact's file name: 1–128 of A-Z a-z 0-9 . _ - (not . or ..).")
    @Parameter(name = "Content-Range", in = ParameterIn.HEADER, description = "Optional: bytes <first>-<last>/<total> for a chunk of a resumable upload.")
    @Parameter(name = "Content-Length", in = ParameterIn.HEADER, description = "The body's size, in bytes.")
    @Parameter(name = "X-Trainpod-Sha256", in = ParameterIn.HEADER, description = "Optional: the complete file's SHA-256, 64 hex characters.")
    @APIResponse(responseCode = "201", description = "Complete: the stored artifact.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = StoredArtifact.class)))
    @APIResponse(responseCode = "202", description = "Chunk stored; uploadOffset is where the next starts.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = UploadProgress.class)))
    @APIResponse(responseCode = "400", description = "Bad name (artifact-name-invalid), Content-Range (content-range-invalid, "
            + "chunk-longer-than-range) or checksum header (checksum-invalid).")
    @APIResponse(responseCode = "404", description = "The deployment is not known yet (deployment-not-found).")
    @APIResponse(responseCode = "409", description = "The chunk does not start at the stored offset (upload-offset-mismatch),"
            + " or the deployment's artifacts would pass its quota of artifacts or bytes (artifact-quota-exceeded).")
    @APIResponse(responseCode = "410", description = "The deployment has ended (deployment-ended).")
    @APIResponse(responseCode = "413", description = "Larger than one artifact may be (artifact-too-large).")
    @APIResponse(responseCode = "422", description = "The SHA-256 differs (checksum-mismatch).")
    /**
     * Stores the body (the whole file, or the chunk its {@code Content-Range} names): 201 with the artifact once
     * complete, 202 with the offset reached otherwise; 409 with {@code Upload-Offset} when the chunk does not
     * start there.
     */
    @PUT
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Response upload(@PathParam("name") String name, @HeaderParam("Content-Range") String contentRange,
                           @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long contentLength,
                           @HeaderParam("X-Trainpod-Sha256") String sha256, InputStream body) {
        ArtifactUploads.Received received = uploads.receive(deployment(), DeployTokens.owner(jwt).orElse(null), name,
                contentRange, contentLength, sha256, body);
        Artifact a = received.artifact();
        if (received.complete()) {
            return Response.status(201).entity(new StoredArtifact(a.id, a.name, a.bytes, a.sha256))
                    .header(DatasetExceptionMappers.UPLOAD_OFFSET, a.bytes).build();
        }
        return Response.status(202).entity(new UploadProgress(a.bytes))
                .header(DatasetExceptionMappers.UPLOAD_OFFSET, a.bytes).build();
    }

    @Operation(summary = "Read an artifact upload's offset (pod)",
            description = "Upload-Offset (bytes stored) and, once whole, Upload-Complete: ?1; no body.")
    @Parameter(name = "name", in = ParameterIn.PATH, description = "The artifact's file name: 1–128 of A-Z a-z 0-9 . _ - (not . or ..).")
    @APIResponse(responseCode = "200", description = "The offset, in the headers.")
    @APIResponse(responseCode = "404", description = "No such artifact for this deployment (not-found).")
    /** How much of the artifact has arrived ({@code Upload-Offset}, and {@code Upload-Complete: ?1} once whole). */
    @HEAD
    @Blocking
    public Response status(@PathParam("name") String name) {
        Artifact a = uploads.status(deployment(), name);
        if (a == null) {
            throw DatasetProblems.artifactNotFound();
        }
        Response.ResponseBuilder answer = Response.ok()
                .header(DatasetExceptionMappers.UPLOAD_OFFSET, a.bytes)
                .header(HttpHeaders.CACHE_CONTROL, "no-store");
        if (a.totalBytes != null) {
            answer.header("Upload-Length", a.totalBytes);
        }
        if (a.complete) {
            answer.header("Upload-Complete", "?1");
        }
        return answer.build();
    }

    private UUID deployment() {
        UUID deployment = DeployTokens.deployment(jwt);
        if (deployment == null) {
            throw DatasetProblems.deploymentNotFound();
        }
        return deployment;
    }
}
