package dev.trainpod.deploy.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The shapes of dataset-service's internal API. */
public final class DatasetModels {

    private DatasetModels() {
    }

    /** What dataset-service knows of a dataset after validating it. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record DatasetSummary(UUID id, String userId, String name, long bytes, String sha256, String format,
                                 long rows, Long estimatedTokens, List<String> fitsMethods, Long errorCount) {
    }

    /** Asks for a download token for one (user, dataset, deployment). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TokenRequest(String userId, UUID datasetId, UUID deploymentId, Long ttlSeconds, Integer maxUses) {
    }

    /** A minted download token and the URL the pod fetches the dataset from. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record DownloadToken(String token, String url, Instant expiresAt, String sha256, long bytes) {
    }
}
