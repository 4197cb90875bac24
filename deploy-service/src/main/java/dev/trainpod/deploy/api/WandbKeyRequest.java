package dev.trainpod.deploy.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The body of a PUT of the W&B key. */
@Schema(description = "A W&B API key to store.")
public record WandbKeyRequest(@Schema(description = "The W&B API key, 20–128 letters, digits, '-' or '_'.")
                              String apiKey) {
}
