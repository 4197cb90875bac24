package dev.trainpod.dataset.rest;

import dev.trainpod.common.problem.ProblemException;
import dev.trainpod.common.security.Roles;
import dev.trainpod.dataset.Dataset;
import dev.trainpod.dataset.api.DatasetView;
import dev.trainpod.dataset.service.DatasetService;
import dev.trainpod.dataset.service.DatasetUploads;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.multipart.FileUpload;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A user's datasets: upload (multipart or raw JSONL body), list, read and delete. */
@Tag(name = "Datasets", description = "Your training datasets: upload (validated), read, delete.")
@Path("/api/v1/datasets")
@RolesAllowed(Roles.USER)
@Produces(MediaType.APPLICATION_JSON)
public class DatasetResource {

    /** Raw-body media types a JSONL file may be sent with. */
    static final String NDJSON = "application/x-ndjson";
    static final String JSONL = "application/jsonl";
    static final String JSON_LINES = "application/x-jsonlines";
    private static final int MAX_NAME_CHARS = 255;
    private static final String DEFAULT_NAME = "dataset.jsonl";

    private final DatasetUploads uploads;
    private final DatasetService datasets;
    private final JsonWebToken jwt;
    /** {@code trainpod.bench.reference-endpoint}: only the benchmark stack sets it; never production. */
    private final boolean benchReference;
    /** With the bench setting, {@code X-Trainpod-Bench: validation-off} stores a raw upload unvalidated. */
    static final String BENCH_HEADER = "X-Trainpod-Bench";

    public DatasetResource(DatasetUploads uploads, DatasetService datasets, JsonWebToken jwt,
                           @ConfigProperty(name = "trainpod.bench.reference-endpoint", defaultValue = "false")
                           boolean benchReference) {
        this.benchReference = benchReference;
        this.uploads = uploads;
        this.datasets = datasets;
        this.jwt = jwt;
    }

    @Operation(summary = "Upload a dataset (multipart form)",
            description = "Stores and validates a JSONL dataset sent as the multipart field file; the "
            + "answer says its format, rows, estimated tokens and the first 100 validation "
            + "errors. A dataset with errors is stored (format INVALID) so its errors can be "
            + "read, but no deployment may use it.")
    @Parameter(name = "name", in = ParameterIn.QUERY, description = "The dataset's file name (at most 255 characters); default: the form field name, "
            + "then the file's own name.")
    @APIResponse(responseCode = "201", description = "Stored: the dataset's summary.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = DatasetView.class),
                    examples = @ExampleObject(name = "example", value = "{\"id\":\"0b9e5c61-3a2f-4d8e-b1c7-9f4a6e2d8c10\",\"name\":\"sft-messages.jsonl\",\"bytes\":18342,\"sha256\":\"4c1f0e5b9d2a7c3e8f6b1a0d9e2c4b7a5f3e1d0c9b8a7f6e5d4c3b2a1f0e9d8c\",\"format\":\"SFT_MESSAGES\",\"rows\":120,\"estimatedTokens\":4585,\"errors\":[],\"errorCount\":0,\"fitsMethods\":[\"SFT\"],\"createdAt\":\"2026-12-06T11:00:00Z\"}")))
    @APIResponse(responseCode = "400", description = "No file part (file-missing), no records (dataset-empty) or the upload was cut "
            + "off (upload-interrupted).")
    @APIResponse(responseCode = "409", description = "Your datasets would pass your quota of datasets or bytes"
            + " (dataset-quota-exceeded); nothing was kept.")
    @APIResponse(responseCode = "413", description = "Larger than the largest dataset (dataset-too-large).")
    @APIResponse(responseCode = "503", description = "Storage failed (storage-unavailable).")
    /** Uploads the multipart field {@code file}; the name is {@code ?name=}, the field {@code name}, or the file's. */
    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Blocking
    public RestResponse<DatasetView> uploadForm(@RestForm("file") FileUpload file, @RestForm("name") String formName,
                                                @QueryParam("name") String name) throws IOException {
        if (file == null) {
            throw ProblemException.badRequest("file-missing",
                    "Send the dataset as the multipart field \"file\" (or as the raw request body with ?name=).");
        }
        String chosen = Stream.of(name, formName, file.fileName()).map(DatasetResource::cleanName)
                .filter(Objects::nonNull).findFirst().orElse(DEFAULT_NAME);
        try (InputStream in = Files.newInputStream(file.uploadedFile())) {
            return created(uploads.upload(jwt.getSubject(), chosen, file.size(), in));
        }
    }

    @Operation(summary = "Upload a dataset (raw body)",
            description = "Stores and validates the request body itself as a JSONL dataset named by ?name=. "
            + "Large files stream without being buffered; for unreliable links use the "
            + "resumable upload (/api/v1/uploads).")
    @Parameter(name = "name", in = ParameterIn.QUERY, description = "The dataset's file name, required, at most 255 characters (e.g. train.jsonl).")
    @Parameter(name = "Content-Length", in = ParameterIn.HEADER, description = "The body's size, in bytes; when sent,"
            + " a body over the largest dataset or your storage quota is refused before a byte is stored.")
    @APIResponse(responseCode = "201", description = "Stored: the dataset's summary.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = DatasetView.class)))
    @APIResponse(responseCode = "400", description = "No ?name= (name-missing), no records (dataset-empty) or the upload was cut off "
            + "(upload-interrupted).")
    @APIResponse(responseCode = "409", description = "Your datasets would pass your quota of datasets or bytes"
            + " (dataset-quota-exceeded); nothing was kept.")
    @APIResponse(responseCode = "413", description = "Larger than the largest dataset (dataset-too-large).")
    @APIResponse(responseCode = "503", description = "Storage failed (storage-unavailable).")
    /** Uploads the request body itself, named by {@code ?name=}. */
    @POST
    @Consumes({NDJSON, JSONL, JSON_LINES, MediaType.APPLICATION_OCTET_STREAM, MediaType.TEXT_PLAIN})
    @Blocking
    public RestResponse<DatasetView> uploadRaw(@QueryParam("name") String name,
                                               @Context HttpHeaders headers, InputStream body) {
        String chosen = cleanName(name);
        if (chosen == null) {
            throw ProblemException.badRequest("name-missing",
                    "Name the dataset with ?name= when the request body is the file itself.");
        }
        // the upload benchmark's reference (validation off): only on a stack started with the bench setting
        boolean validate = !(benchReference && "validation-off".equals(headers.getHeaderString(BENCH_HEADER)));
        return created(uploads.upload(jwt.getSubject(), chosen, Math.max(0, headers.getLength()), body, validate));
    }

    @Operation(summary = "List your datasets",
            description = "Every dataset of the caller with its summary.")
    @APIResponse(responseCode = "200", description = "Your datasets.")
    @GET
    public Uni<List<DatasetView>> list() {
        return datasets.list(jwt.getSubject()).map(all -> all.stream().map(DatasetView::of).toList());
    }

    @Operation(summary = "Read a dataset",
            description = "Its summary and its first 100 validation errors (line numbers from 1).")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "The dataset's id (a UUID); another user's id answers 404 like an unknown one.")
    @APIResponse(responseCode = "200", description = "The dataset.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = DatasetView.class),
                    examples = @ExampleObject(name = "example", value = "{\"id\":\"0b9e5c61-3a2f-4d8e-b1c7-9f4a6e2d8c10\",\"name\":\"sft-messages.jsonl\",\"bytes\":18342,\"sha256\":\"4c1f0e5b9d2a7c3e8f6b1a0d9e2c4b7a5f3e1d0c9b8a7f6e5d4c3b2a1f0e9d8c\",\"format\":\"SFT_MESSAGES\",\"rows\":120,\"estimatedTokens\":4585,\"errors\":[],\"errorCount\":0,\"fitsMethods\":[\"SFT\"],\"createdAt\":\"2026-12-06T11:00:00Z\"}")))
    @APIResponse(responseCode = "404", description = "No dataset of yours has this id (not-found).")
    @GET
    @Path("/{id}")
    public Uni<DatasetView> get(@PathParam("id") UUID id) {
        return datasets.get(id, jwt.getSubject()).map(DatasetView::of);
    }

    @Operation(summary = "Delete a dataset",
            description = "Deletes the dataset, its file and its download links.")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "The dataset's id (a UUID); another user's id answers 404 like an unknown one.")
    @APIResponse(responseCode = "204", description = "Deleted.")
    @APIResponse(responseCode = "404", description = "No dataset of yours has this id (not-found).")
    @APIResponse(responseCode = "409", description = "A deployment that has not ended uses it (dataset-in-use).")
    /** Deletes the dataset, its file and its download tokens; 204. */
    @DELETE
    @Path("/{id}")
    public Uni<Void> delete(@PathParam("id") UUID id) {
        return datasets.delete(id, jwt.getSubject());
    }

    private static RestResponse<DatasetView> created(Dataset dataset) {
        return RestResponse.ResponseBuilder.<DatasetView>created(URI.create("/api/v1/datasets/" + dataset.id))
                .entity(DatasetView.of(dataset)).build();
    }

    /** The last path segment, without control characters, at most 255 characters; null if nothing is left. */
    static String cleanName(String name) {
        if (name == null) {
            return null;
        }
        String base = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1)
                .replaceAll("\\p{Cntrl}", "").strip();
        if (base.isEmpty()) {
            return null;
        }
        return base.length() <= MAX_NAME_CHARS ? base : base.substring(0, MAX_NAME_CHARS);
    }
}
