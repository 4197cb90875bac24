package dev.trainpod.common.dataset;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Instant;

/**
 * A minted download token, answered once: only its hash is kept. Unknown fields are ignored, so dataset-service
 * may add some without breaking deploy-service.
 *
 * @param url where the pod downloads the dataset ({@code TRAINPOD_DATASET_URL}); the token is its last segment
 * @param sha256 the dataset's checksum ({@code TRAINPOD_DATASET_SHA256})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MintedToken(String token, String url, Instant expiresAt, String sha256, long bytes) {
}
