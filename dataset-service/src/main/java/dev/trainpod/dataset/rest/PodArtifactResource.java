package dev.trainpod.dataset.rest;

import dev.trainpod.common.security.Roles;
import dev.trainpod.dataset.Artifact;
import dev.trainpod.dataset.DatasetProblems;
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

/**
 * Where a pod uploads what it produced, named by the pod, streamed to storage, resumable with
 * {@code Content-Range} chunks, and reads back or removes its deployment's checkpoints; the deployment is the job
 * token's subject.
 */
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
    @DELETE
    @Blocking
    public Response remove(@PathParam("name") String name) {
        if (!uploads.remove(deployment(), name)) {
            throw DatasetProblems.artifactNotFound();
        }
        return Response.noContent().build();
    }

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
        ArtifactUploads.Received received = uploads.receive(deployment(), name, contentRange, contentLength,
                sha256, body);
        Artifact a = received.artifact();
        if (received.complete()) {
            return Response.status(201).entity(new StoredArtifact(a.id, a.name, a.bytes, a.sha256))
                    .header(DatasetExceptionMappers.UPLOAD_OFFSET, a.bytes).build();
        }
        return Response.status(202).entity(new UploadProgress(a.bytes))
                .header(DatasetExceptionMappers.UPLOAD_OFFSET, a.bytes).build();
    }

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
        UUID deployment = PodIdentity.deployment(jwt);
        if (deployment == null) {
            throw DatasetProblems.deploymentNotFound();
        }
        return deployment;
    }
}
