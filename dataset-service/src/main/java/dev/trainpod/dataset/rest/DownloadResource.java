package dev.trainpod.dataset.rest;

import dev.trainpod.common.http.ClientAddress;
import dev.trainpod.common.problem.ProblemException;
import dev.trainpod.dataset.config.DatasetConfig;
import dev.trainpod.dataset.service.Download;
import dev.trainpod.dataset.service.DownloadGuard;
import dev.trainpod.dataset.service.DownloadMetrics;
import dev.trainpod.dataset.service.DownloadService;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Token-gated dataset downloads for pods: no bearer token, the download token is the last path segment. Local
 * files are sent from disk without passing through memory, objects of an S3 store are streamed through; a single
 * {@code Range} is honoured so that downloads resume. The token is checked, used and the download recorded in one
 * statement on the event loop, and a local file is then sent from it: nothing blocks before the first byte; a
 * remote store's object is opened, and read while it is sent, on a worker thread.
 */
@Path(DownloadResource.PATH + "/{token}")
@Tag(name = "Pod: dataset", description = "The pod's dataset download and links (job token or download token).")
@PermitAll
public class DownloadResource {

    static final String PATH = "/api/v1/downloads";
    private static final String NDJSON = "application/x-ndjson";

    private final DownloadService downloads;
    private final DownloadGuard guard;
    private final StoredContent content;
    private final DownloadMetrics metrics;
    private final ClientAddress clients;

    public DownloadResource(DownloadService downloads, DownloadGuard guard, StoredContent content,
                            DownloadMetrics metrics, ClientAddress clients) {
        this.metrics = metrics;
        this.clients = clients;
        this.downloads = downloads;
        this.guard = guard;
        this.content = content;
    }

    /** The URL a pod downloads with the token, under the public base URL. */
    static String url(DatasetConfig config, String token) {
        return config.publicUrl().replaceAll("/+$", "") + PATH + "/" + token;
    }

    @Operation(summary = "Download a dataset (pod)",
            description = "The dataset's bytes for the pod (application/x-ndjson), or the Range asked for "
            + "(206). The token is the credential: it lives at most 2 hours, allows a few "
            + "downloads from byte 0 and is revoked when the deployment ends. An address that "
            + "tries too many unknown tokens is refused for a while.")
    @Parameter(name = "token", in = ParameterIn.PATH, description = "The download token: the last segment of the url POST /api/v1/pod/dataset gave.")
    @Parameter(name = "Range", in = ParameterIn.HEADER, description = "Optional single byte range to resume a download, e.g. bytes=1048576-.")
    @APIResponse(responseCode = "200", description = "The dataset.",
            content = @Content(mediaType = "application/json", schema = @Schema()))
    @APIResponse(responseCode = "206", description = "The range asked for.")
    @APIResponse(responseCode = "404", description = "Unknown token (download-not-found).")
    @APIResponse(responseCode = "410", description = "Expired (download-expired) or revoked (download-revoked).")
    @APIResponse(responseCode = "416", description = "The range lies outside the file (range-not-satisfiable).")
    @APIResponse(responseCode = "429", description = "The token's uses are used up (download-uses-exhausted) or this address tried too "
            + "many unknown tokens (download-rate-limited).")
    /**
     * The dataset, or the requested range of it (206); a request from byte 0 uses up one of the token's uses;
     * every GET is recorded. A client that has tried too many unknown tokens is answered 429 ({@link DownloadGuard}).
     */
    @GET
    public Uni<Response> download(@PathParam("token") String token, @HeaderParam("Range") String range,
                                  @Context HttpServerRequest request) {
        String client = clientOf(request);
        return open(token, range, true, client).chain(d -> {
            metrics.served(d.range().length(), d.range().start() == 0);
            if (content.isLocal(d.storageKey())) {
                return Uni.createFrom().item(content.send(headers(d), d.storageKey(), d.range()).build());
            }
            // a remote object is opened, and its bytes read as they are sent, on a worker thread
            return Uni.createFrom().item(() -> content.send(headers(d), d.storageKey(), d.range()).build())
                    .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        });
    }

    @Operation(summary = "Check a dataset download (pod)",
            description = "The headers a GET would answer, without the body, without using the token up.")
    @Parameter(name = "token", in = ParameterIn.PATH, description = "The download token: the last segment of the url POST /api/v1/pod/dataset gave.")
    @Parameter(name = "Range", in = ParameterIn.HEADER, description = "Optional single byte range to resume a download, e.g. bytes=1048576-.")
    @APIResponse(responseCode = "200", description = "The headers of the download.",
            content = @Content(mediaType = "application/json", schema = @Schema()))
    @APIResponse(responseCode = "404", description = "Unknown token (download-not-found).")
    @APIResponse(responseCode = "410", description = "Expired (download-expired) or revoked (download-revoked).")
    @APIResponse(responseCode = "429", description = "Refused for now (download-rate-limited).")
    /** What a GET would send, without the body, without using the token up. */
    @HEAD
    public Uni<Response> head(@PathParam("token") String token, @HeaderParam("Range") String range,
                              @Context HttpServerRequest request) {
        return open(token, range, false, clientOf(request))
                .map(d -> headers(d).header(HttpHeaders.CONTENT_LENGTH, d.range().length()).build());
    }

    /** The download, decided (and counted, for a GET) in one statement, on the event loop: nothing blocks. */
    private Uni<Download> open(String token, String range, boolean countUse, String client) {
        Uni<Download> opened;
        try {
            guard.admit(client);
            opened = downloads.open(token, range, countUse, countUse ? client : null);
        } catch (RuntimeException e) {
            opened = Uni.createFrom().failure(e);
        }
        return opened.onFailure().invoke(e -> {
            metrics.refused(e);
            if (e instanceof ProblemException p && p.problem().status() == 404) {
                guard.unknownToken(client);
            }
        });
    }

    /** The gateway's trusted client address (IPv6 by /64), never the client-supplied X-Forwarded-For. */
    private String clientOf(HttpServerRequest request) {
        return clients.of(request);
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
