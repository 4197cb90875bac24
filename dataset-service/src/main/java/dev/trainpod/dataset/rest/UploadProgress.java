package dev.trainpod.dataset.rest;

/** The answer to a chunk that did not complete its upload (202): where the next chunk starts. */
public record UploadProgress(long uploadOffset) {
}
