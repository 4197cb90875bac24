package dev.trainpod.dataset.rest;

import dev.trainpod.common.problem.Problem;
import dev.trainpod.common.problem.ProblemMappers;
import dev.trainpod.dataset.service.Download;
import dev.trainpod.dataset.service.DownloadService;
import dev.trainpod.dataset.service.RangeNotSatisfiableException;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.PathPart;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Token-gated dataset downloads for pods: no bearer token, the download token is the last path segment. Files are
 * sent from disk without passing through memory; a single {@code Range} is honoured so that downloads resume.
 */
@Path(DownloadResource.PATH + "/{token}")
@PermitAll
public class DownloadResource {

    static final String PATH = "/api/v1/downloads";
    private static final String NDJSON = "application/x-ndjson";

    private final DownloadService downloads;

    public DownloadResource(DownloadService downloads) {
        this.downloads = downloads;
    }

    /** The dataset, or the requested range of it (206); a request from byte 0 uses up one of the token's uses. */
    @GET
    public Uni<Response> download(@PathParam("token") String token, @HeaderParam("Range") String range) {
        return downloads.open(token, range, true)
                .map(d -> headers(d).entity(new PathPart(d.file(), d.range().start(), d.range().length())).build());
    }

    /** What a GET would send, without the body and without using the token up. */
    @HEAD
    public Uni<Response> head(@PathParam("token") String token, @HeaderParam("Range") String range) {
        return downloads.open(token, range, false)
                .map(d -> headers(d).header(HttpHeaders.CONTENT_LENGTH, d.range().length()).build());
    }

    @ServerExceptionMapper
    public Response unsatisfiable(RangeNotSatisfiableException e) {
        return Response.fromResponse(ProblemMappers.respond(Problem.of(416, "range-not-satisfiable",
                        "Range not satisfiable", "Ask for one byte range (bytes=a-b, a- or -n) within the file's "
                                + e.size() + " bytes.")))
                .header("Content-Range", "bytes */" + e.size())
                .build();
    }

    private static Response.ResponseBuilder headers(Download d) {
        Response.ResponseBuilder builder = Response.status(d.range().partial() ? 206 : 200)
                .type(NDJSON)
                .header(HttpHeaders.ETAG, "\"" + d.sha256() + "\"")
                .header("Accept-Ranges", "bytes")
                .header(HttpHeaders.CACHE_CONTROL, "no-store");
        if (d.range().partial()) {
            builder.header("Content-Range", d.range().contentRange());
        }
        return builder;
    }
}
