package dev.trainpod.dataset.rest;

import java.time.Instant;

/**
 * A fresh download link for the pod's dataset.
 *
 * @param url plain {@code GET} (the token is its last segment), {@code Range} supported
 * @param sha256 the dataset's checksum
 * @param bytes the dataset's size
 * @param expiresAt when the link stops working (a download started before may still resume for a while)
 */
public record PodDatasetLink(String url, String sha256, long bytes, Instant expiresAt) {
}
