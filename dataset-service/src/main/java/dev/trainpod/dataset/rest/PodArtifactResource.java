package dev.trainpod.dataset.rest;

import dev.trainpod.common.security.DeployTokens;
import dev.trainpod.common.security.Roles;
import dev.trainpod.dataset.Artifact;
import dev.trainpod.dataset.problem.DatasetProblems;
import dev.trainpod.dataset.service.ArtifactUploads;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
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
 * {@code Content-Range} chunks; the deployment is the job token's subject.
 */
@Path("/api/v1/pod/artifacts/{name}")
@RolesAllowed(Roles.JOB)
public class PodArtifactResource {

    private final ArtifactUploads uploads;
    private final JsonWebToken jwt;

    public PodArtifactResource(ArtifactUploads uploads, JsonWebToken jwt) {
        this.uploads = uploads;
        this.jwt = jwt;
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
        UUID deployment = DeployTokens.deployment(jwt);
        if (deployment == null) {
            throw DatasetProblems.deploymentNotFound();
        }
        return deployment;
    }
}
