package dev.trainpod.dataset.rest;

import java.time.Instant;

/**
 * A minted download token, answered once: only its hash is kept.
 *
 * @param url where the pod downloads the dataset ({@code TRAINPOD_DATASET_URL}); the token is its last segment
 * @param sha256 the dataset's checksum ({@code TRAINPOD_DATASET_SHA256})
 */
public record MintedToken(String token, String url, Instant expiresAt, String sha256, long bytes) {
}
