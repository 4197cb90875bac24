package dev.trainpod.dataset.rest;

import dev.trainpod.common.dataset.DatasetSummary;
import dev.trainpod.common.dataset.InternalDatasetApi;
import dev.trainpod.common.dataset.MintTokenRequest;
import dev.trainpod.common.dataset.MintedToken;
import dev.trainpod.common.security.Roles;
import dev.trainpod.dataset.config.DatasetConfig;
import dev.trainpod.dataset.service.DatasetService;
import dev.trainpod.dataset.service.DownloadMetrics;
import dev.trainpod.dataset.service.DownloadTokenService;
import dev.trainpod.dataset.service.IssuedToken;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.util.UUID;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * What deploy-service calls with its service token: a user's dataset summary for the pre-flight checks, and a
 * download token for a deployment's pod. The gateway does not route {@code /internal}. Paths and bodies are the
 * shared contract in {@code common} ({@link InternalDatasetApi}), which deploy-service's client uses too.
 */
@Path(InternalDatasetApi.ROOT)
@RolesAllowed(Roles.SERVICE)
@Produces(MediaType.APPLICATION_JSON)
public class InternalResource {

    private static final Duration MAX_TTL = Duration.ofSeconds(MintTokenRequest.MAX_TTL_SECONDS);

    private final DatasetService datasets;
    private final DownloadTokenService tokens;
    private final DatasetConfig config;
    private final DownloadMetrics metrics;

    public InternalResource(DatasetService datasets, DownloadTokenService tokens, DatasetConfig config,
                            DownloadMetrics metrics) {
        this.metrics = metrics;
        this.datasets = datasets;
        this.tokens = tokens;
        this.config = config;
    }

    /** The dataset's summary with its owner; 404 unless it exists and belongs to {@code userId}. */
    @GET
    @Path(InternalDatasetApi.DATASET)
    public Uni<DatasetSummary> dataset(@PathParam("id") UUID id,
                                       @QueryParam("userId") @NotBlank(message = "userId is required") String userId) {
        return datasets.get(id, userId).map(DatasetService::summary);
    }

    /** Mints a download token of at most 2 h; 201 with the token and the URL the pod downloads from. */
    @POST
    @Path(InternalDatasetApi.DOWNLOAD_TOKENS)
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<MintedToken>> mint(@NotNull(message = "a JSON body is required") @Valid
                                                MintTokenRequest request) {
        Duration ttl = request.ttlSeconds() == null ? config.tokenTtl() : Duration.ofSeconds(request.ttlSeconds());
        ttl = ttl.compareTo(MAX_TTL) > 0 ? MAX_TTL : ttl; // a configured default over 2 h is cut too
        int maxUses = request.maxUses() == null ? config.tokenMaxUses() : request.maxUses();
        return tokens.mint(request.userId(), request.datasetId(), request.deploymentId(), ttl, maxUses)
                .invoke(issued -> metrics.minted())
                .map(issued -> RestResponse.status(RestResponse.Status.CREATED, answer(issued)));
    }

    private MintedToken answer(IssuedToken issued) {
        return new MintedToken(issued.secret(), DownloadResource.url(config, issued.secret()),
                issued.token().expiresAt, issued.dataset().sha256, issued.dataset().bytes);
    }
}
