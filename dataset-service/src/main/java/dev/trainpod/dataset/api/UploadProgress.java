package dev.trainpod.dataset.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;
/** The answer to a chunk that did not complete its upload (202): where the next chunk starts. */
@Schema(description = "Where the next chunk starts.")
public record UploadProgress(@Schema(description = "Bytes stored so far.", minimum = "0") long uploadOffset) {
}
