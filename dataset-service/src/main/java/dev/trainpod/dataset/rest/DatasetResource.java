package dev.trainpod.dataset.rest;

import dev.trainpod.common.problem.ProblemException;
import dev.trainpod.common.security.Roles;
import dev.trainpod.dataset.Dataset;
import dev.trainpod.dataset.service.DatasetService;
import dev.trainpod.dataset.service.DatasetUploads;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
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
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/** A user's datasets: upload (multipart or raw JSONL body), list, read and delete. */
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

    public DatasetResource(DatasetUploads uploads, DatasetService datasets, JsonWebToken jwt) {
        this.uploads = uploads;
        this.datasets = datasets;
        this.jwt = jwt;
    }

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

    /** Uploads the request body itself, named by {@code ?name=}. */
    @POST
    @Consumes({NDJSON, JSONL, JSON_LINES, MediaType.APPLICATION_OCTET_STREAM, MediaType.TEXT_PLAIN})
    @Blocking
    public RestResponse<DatasetView> uploadRaw(@QueryParam("name") String name,
                                               @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long contentLength,
                                               InputStream body) {
        String chosen = cleanName(name);
        if (chosen == null) {
            throw ProblemException.badRequest("name-missing",
                    "Name the dataset with ?name= when the request body is the file itself.");
        }
        return created(uploads.upload(jwt.getSubject(), chosen, contentLength == null ? 0 : contentLength, body));
    }

    @GET
    public Uni<List<DatasetView>> list() {
        return datasets.list(jwt.getSubject()).map(all -> all.stream().map(DatasetView::of).toList());
    }

    @GET
    @Path("/{id}")
    public Uni<DatasetView> get(@PathParam("id") UUID id) {
        return datasets.get(id, jwt.getSubject()).map(DatasetView::of);
    }

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
