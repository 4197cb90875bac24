package dev.trainpod.dataset.rest;

import dev.trainpod.common.security.Roles;
import dev.trainpod.dataset.Dataset;
import dev.trainpod.dataset.Upload;
import dev.trainpod.dataset.api.DatasetView;
import dev.trainpod.dataset.api.UploadView;
import dev.trainpod.dataset.problem.DatasetProblems;
import dev.trainpod.dataset.service.ResumableUploads;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
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
 * Resumable dataset uploads in the manner of tus 1.0: {@code POST} with {@code Upload-Length} creates one,
 * {@code HEAD} tells its {@code Upload-Offset}, {@code PATCH} appends from that offset. The {@code PATCH} that
 * completes the upload answers 201 with the dataset's summary (and {@code Location} of the dataset); the upload's
 * {@code GET} shows the dataset id from then on.
 */
@Tag(name = "Uploads", description = "Resumable (tus-style) dataset uploads for large files and unreliable links.")
@Path("/api/v1/uploads")
@RolesAllowed(Roles.USER)
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class UploadResource {

    static final String TUS_VERSION = "1.0.0";
    static final String OFFSET_OCTET_STREAM = "application/offset+octet-stream";
    private static final String OFFSET = DatasetExceptionMappers.UPLOAD_OFFSET;

    private final ResumableUploads uploads;
    private final JsonWebToken jwt;

    public UploadResource(ResumableUploads uploads, JsonWebToken jwt) {
        this.uploads = uploads;
        this.jwt = jwt;
    }

    @Operation(summary = "Create a resumable upload",
            description = "Creates a tus-style resumable upload of Upload-Length bytes; send the bytes with "
            + "PATCH from Upload-Offset 0.")
    @Parameter(name = "Upload-Length", in = ParameterIn.HEADER, description = "The file's total size, in bytes (1 up to the largest dataset).")
    @Parameter(name = "Upload-Metadata", in = ParameterIn.HEADER, description = "tus metadata: name <base64 of the file name>; or use ?name=.")
    @Parameter(name = "name", in = ParameterIn.QUERY, description = "The dataset's file name, at most 255 characters.")
    @APIResponse(responseCode = "201", description = "Created; Location names the upload, Upload-Offset is 0.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = UploadView.class)))
    @APIResponse(responseCode = "400", description = "Upload-Length invalid (upload-length-invalid), Upload-Metadata invalid "
            + "(upload-metadata-invalid) or no name (name-missing).")
    @APIResponse(responseCode = "409", description = "Upload-Length would pass your quota of datasets or bytes"
            + " (dataset-quota-exceeded).")
    @APIResponse(responseCode = "413", description = "Upload-Length above the largest dataset (dataset-too-large).")
    /** Creates an upload of {@code Upload-Length} bytes named by {@code ?name=} or {@code Upload-Metadata}. */
    @POST
    public Response create(@HeaderParam("Upload-Length") String length, @HeaderParam("Upload-Metadata") String metadata,
                           @QueryParam("name") String name) {
        long bytes = parseLength(length);
        String chosen = DatasetResource.cleanName(name != null ? name : metadataName(metadata));
        if (chosen == null) {
            throw DatasetProblems.badHeader("name-missing",
                    "Name the dataset with ?name= or with Upload-Metadata: name <base64 of the name>.");
        }
        Upload upload = uploads.create(jwt.getSubject(), chosen, bytes);
        return Response.created(URI.create("/api/v1/uploads/" + upload.id)).entity(UploadView.of(upload))
                .header(OFFSET, 0).header("Upload-Length", bytes).header("Tus-Resumable", TUS_VERSION).build();
    }

    @Operation(summary = "Read a resumable upload's offset (tus)",
            description = "Upload-Offset (bytes received) and Upload-Length headers, no body.")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "The upload's id, from the Location of POST /api/v1/uploads.")
    @APIResponse(responseCode = "200", description = "The offset, in the headers.")
    @APIResponse(responseCode = "404", description = "No upload of yours has this id (not-found).")
    /** The upload's offset and length. */
    @HEAD
    @Path("/{id}")
    public Response head(@PathParam("id") UUID id) {
        return state(uploads.get(id, jwt.getSubject())).build();
    }

    @Operation(summary = "Read a resumable upload",
            description = "The upload's length, offset and, once complete, its dataset id.")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "The upload's id, from the Location of POST /api/v1/uploads.")
    @APIResponse(responseCode = "200", description = "The upload.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = UploadView.class)))
    @APIResponse(responseCode = "404", description = "No upload of yours has this id (not-found).")
    /** The upload's state, with the dataset id once it is complete. */
    @GET
    @Path("/{id}")
    public Response get(@PathParam("id") UUID id) {
        Upload upload = uploads.get(id, jwt.getSubject());
        return state(upload).entity(UploadView.of(upload)).build();
    }

    @Operation(summary = "Append bytes to a resumable upload",
            description = "Appends the body (Content-Type application/offset+octet-stream) at "
            + "Upload-Offset; the chunk that completes the upload stores and validates the "
            + "dataset.")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "The upload's id, from the Location of POST /api/v1/uploads.")
    @Parameter(name = "Upload-Offset", in = ParameterIn.HEADER, description = "Where this chunk starts, in bytes: the offset HEAD answers.")
    @APIResponse(responseCode = "201", description = "Complete: the dataset's summary.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = DatasetView.class)))
    @APIResponse(responseCode = "204", description = "Appended; Upload-Offset is the new offset.")
    @APIResponse(responseCode = "400", description = "Upload-Offset invalid (upload-offset-invalid) or past Upload-Length "
            + "(upload-length-exceeded).")
    @APIResponse(responseCode = "404", description = "No upload of yours has this id (not-found).")
    @APIResponse(responseCode = "409", description = "Upload-Offset is not where the upload stands (upload-offset-mismatch), another "
            + "chunk is being written (upload-busy), it is complete (upload-complete), or the dataset would pass"
            + " your quota (dataset-quota-exceeded).")
    @APIResponse(responseCode = "415", description = "The body is not application/offset+octet-stream (unsupported-media-type).")
    /**
     * Appends the body at {@code Upload-Offset}: 204 with the new offset, or 201 with the dataset's summary when
     * the upload is complete; 409 (with the current offset) when the offset is not where the upload stands.
     */
    @PATCH
    @Path("/{id}")
    @Consumes(MediaType.WILDCARD)
    public Response append(@PathParam("id") UUID id, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
                           @HeaderParam(OFFSET) String offset, InputStream body) {
        Upload upload = uploads.get(id, jwt.getSubject());
        if (contentType == null || !contentType.strip().toLowerCase().startsWith(OFFSET_OCTET_STREAM)) {
            throw new jakarta.ws.rs.NotSupportedException("PATCH bodies must be " + OFFSET_OCTET_STREAM);
        }
        Dataset dataset = uploads.append(upload, parseOffset(offset), body);
        if (dataset == null) {
            return Response.noContent().header(OFFSET, upload.offset).header("Tus-Resumable", TUS_VERSION).build();
        }
        return Response.created(URI.create("/api/v1/datasets/" + dataset.id)).entity(DatasetView.of(dataset))
                .header(OFFSET, upload.offset).header("Tus-Resumable", TUS_VERSION).build();
    }

    @Operation(summary = "Abandon a resumable upload",
            description = "Deletes the upload and the bytes it received.")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "The upload's id, from the Location of POST /api/v1/uploads.")
    @APIResponse(responseCode = "204", description = "Deleted.")
    @APIResponse(responseCode = "404", description = "No upload of yours has this id (not-found).")
    /** Abandons the upload and the bytes it received; 204. */
    @DELETE
    @Path("/{id}")
    public Response delete(@PathParam("id") UUID id) {
        uploads.delete(uploads.get(id, jwt.getSubject()));
        return Response.noContent().header("Tus-Resumable", TUS_VERSION).build();
    }

    private static Response.ResponseBuilder state(Upload upload) {
        Response.ResponseBuilder answer = Response.ok().header(OFFSET, upload.offset)
                .header("Upload-Length", upload.length).header("Tus-Resumable", TUS_VERSION)
                .header(HttpHeaders.CACHE_CONTROL, "no-store");
        if (upload.datasetId != null) {
            answer.header("Trainpod-Dataset-Id", upload.datasetId);
        }
        return answer;
    }

    private static long parseLength(String header) {
        try {
            long length = Long.parseLong(header == null ? "" : header.strip());
            if (length >= 0) {
                return length;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw DatasetProblems.badHeader("upload-length-invalid",
                "Upload-Length must be the file's size in bytes, a whole number.");
    }

    private static long parseOffset(String header) {
        try {
            long offset = Long.parseLong(header == null ? "" : header.strip());
            if (offset >= 0) {
                return offset;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw DatasetProblems.badHeader("upload-offset-invalid",
                "Upload-Offset must be the number of bytes already sent (ask with HEAD).");
    }

    /** The {@code name} (or {@code filename}) of tus metadata: comma-separated {@code key base64value} pairs. */
    private static String metadataName(String metadata) {
        if (metadata == null) {
            return null;
        }
        for (String pair : metadata.split(",")) {
            String[] parts = pair.strip().split(" ", 2);
            if (parts.length == 2 && (parts[0].equals("name") || parts[0].equals("filename"))) {
                try {
                    return new String(Base64.getDecoder().decode(parts[1].strip()), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw DatasetProblems.badHeader("upload-metadata-invalid",
                            "Upload-Metadata values must be base64, e.g. name ZGF0YS5qc29ubA==");
                }
            }
        }
        return null;
    }
}
