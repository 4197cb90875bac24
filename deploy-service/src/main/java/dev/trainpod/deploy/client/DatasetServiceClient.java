package dev.trainpod.deploy.client;

import dev.trainpod.deploy.service.TokenSigner;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/** Looks up datasets and mints download tokens at dataset-service, authenticated with a service token. */
@ApplicationScoped
public class DatasetServiceClient {

    private final DatasetApi api;
    private final TokenSigner tokens;

    public DatasetServiceClient(@RestClient DatasetApi api, TokenSigner tokens) {
        this.api = api;
        this.tokens = tokens;
    }

    /** The dataset's summary if it exists and belongs to the user; empty otherwise. */
    @Timeout(10_000)
    @Retry(maxRetries = 3, delay = 200, abortOn = WebApplicationException.class)
    @ExponentialBackoff
    public Uni<Optional<DatasetModels.DatasetSummary>> dataset(UUID datasetId, String userId) {
        return api.dataset(bearer(), datasetId, userId)
                .map(Optional::of)
                .onFailure(e -> e instanceof WebApplicationException w && w.getResponse().getStatus() == 404)
                .recoverWithItem(Optional.empty());
    }

    /** A download token for the deployment's pod. */
    @Timeout(10_000)
    @Retry(maxRetries = 3, delay = 200, abortOn = WebApplicationException.class)
    @ExponentialBackoff
    public Uni<DatasetModels.DownloadToken> mintToken(String userId, UUID datasetId, UUID deploymentId,
                                                      long ttlSeconds) {
        return api.mintToken(bearer(), new DatasetModels.TokenRequest(userId, datasetId, deploymentId, ttlSeconds, null));
    }

    private String bearer() {
        return "Bearer " + tokens.serviceToken();
    }
}
