package dev.trainpod.dataset.api;

import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A fresh download link for the pod's dataset.
 *
 * @param url plain {@code GET} (the token is its last segment), {@code Range} supported
 * @param sha256 the dataset's checksum
 * @param bytes the dataset's size
 * @param expiresAt when the link stops working (a download started before may still resume for a while)
 */
@Schema(description = "A fresh download link for the pod's dataset.")
public record PodDatasetLink(
        @Schema(description = "Plain GET (the token is its last segment), Range supported.") String url,
        @Schema(description = "The dataset's SHA-256, 64 hex characters.") String sha256,
        @Schema(description = "The dataset's size, in bytes.", minimum = "0") long bytes,
        @Schema(description = "When the link stops working, at most 2 hours from now.") Instant expiresAt) {
}
