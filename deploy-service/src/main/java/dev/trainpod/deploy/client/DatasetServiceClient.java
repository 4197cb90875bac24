package dev.trainpod.deploy.client;

import dev.trainpod.common.dataset.DatasetSummary;
import dev.trainpod.common.dataset.MintTokenRequest;
import dev.trainpod.common.dataset.MintedToken;
import dev.trainpod.deploy.service.TokenSigner;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ClientErrorException;
import jakarta.ws.rs.WebApplicationException;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * Looks up datasets and mints download tokens at dataset-service, authenticated with a service token. One error
 * mapping: a 4xx answer becomes a {@link ClientErrorException} and is not retried (the request itself is wrong);
 * a 5xx, a timeout or a lost connection is retried with backoff, declared with MicroProfile Fault Tolerance.
 */
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
    @Retry(maxRetries = 3, delay = 200, abortOn = ClientErrorException.class)
    @ExponentialBackoff
    public Uni<Optional<DatasetSummary>> dataset(UUID datasetId, String userId) {
        return api.dataset(bearer(), datasetId, userId)
                .map(Optional::of)
                .onFailure(e -> status(e) == 404).recoverWithItem(Optional.empty())
                .onFailure().transform(DatasetServiceClient::classify);
    }

    /** A download token for the deployment's pod, valid for {@code ttlSeconds} cut to the contract's 2 h. */
    @Timeout(10_000)
    @Retry(maxRetries = 3, delay = 200, abortOn = ClientErrorException.class)
    @ExponentialBackoff
    public Uni<MintedToken> mintToken(String userId, UUID datasetId, UUID deploymentId, long ttlSeconds) {
        return api.mintToken(bearer(), MintTokenRequest.forPod(userId, datasetId, deploymentId, ttlSeconds))
                .onFailure().transform(DatasetServiceClient::classify);
    }

    /** A 4xx answer as a {@link ClientErrorException} (not retried); anything else as it came (retried). */
    static Throwable classify(Throwable e) {
        int status = status(e);
        return status >= 400 && status < 500 && !(e instanceof ClientErrorException)
                ? new ClientErrorException(e.getMessage(), status, e) : e;
    }

    private static int status(Throwable e) {
        return e instanceof WebApplicationException w && w.getResponse() != null ? w.getResponse().getStatus() : 0;
    }

    private String bearer() {
        return "Bearer " + tokens.serviceToken();
    }
}
