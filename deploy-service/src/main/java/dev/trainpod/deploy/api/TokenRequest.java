package dev.trainpod.deploy.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The body of a PUT of the Hugging Face token. */
@Schema(description = "A Hugging Face token to store.")
public record TokenRequest(@Schema(description = "The Hugging Face access token (hf_...).") String token) {
}
