package dev.trainpod.dataset.service;

/**
 * An authorized download: which stored file to send, which part of it, and the checksum the pod verifies.
 *
 * @param storageKey the file's key in the {@link dev.trainpod.dataset.storage.BlobStore}
 */
public record Download(String storageKey, ByteRange range, String sha256) {
}
