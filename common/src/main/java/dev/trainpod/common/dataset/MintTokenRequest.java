package dev.trainpod.common.dataset;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.util.UUID;

/**
 * deploy-service asks for a download token for one deployment's pod ({@code POST /internal/v1/download-tokens}).
 * dataset-service validates it with these constraints; deploy-service builds it with {@link #forPod}, which keeps
 * to the same limits, so a request the consumer sends is one the provider accepts.
 *
 * @param userId the deploying user, who must own the dataset
 * @param ttlSeconds how long the token is valid; {@code trainpod.dataset.token-ttl} when absent
 * @param maxUses how many downloads from byte 0 it allows; {@code trainpod.dataset.token-max-uses} when absent
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MintTokenRequest(
        @NotBlank String userId,
        @NotNull UUID datasetId,
        @NotNull UUID deploymentId,
        @Positive @Max(value = MintTokenRequest.MAX_TTL_SECONDS,
                message = "must be at most 7200 (2 h): a pod refreshes its link through its job token")
        Long ttlSeconds,
        @Positive @Max(MintTokenRequest.MAX_USES) Integer maxUses) {

    /**
     * Two hours: a download token never lives longer; a pod whose token expired (a long wait for a GPU, a download
     * resumed late) exchanges its job token for a fresh one (POST /api/v1/pod/dataset).
     */
    public static final long MAX_TTL_SECONDS = 2 * 3600;
    public static final int MAX_USES = 1000;

    /**
     * The request for a pod's token, valid for {@code wantedSeconds} cut to {@link #MAX_TTL_SECONDS} (the pod
     * refreshes it) and at least one second; the provider's default number of uses.
     */
    public static MintTokenRequest forPod(String userId, UUID datasetId, UUID deploymentId, long wantedSeconds) {
        long ttl = Math.max(1, Math.min(MAX_TTL_SECONDS, wantedSeconds));
        return new MintTokenRequest(userId, datasetId, deploymentId, ttl, null);
    }
}
