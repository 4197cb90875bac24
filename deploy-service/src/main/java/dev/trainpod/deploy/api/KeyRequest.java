package dev.trainpod.deploy.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The body of a PUT of the RunPod key. */
@Schema(description = "A RunPod API key to store.")
public record KeyRequest(@Schema(description = "The RunPod API key, 8–256 printable characters.") String apiKey) {
}
