package dev.trainpod.dataset.rest;

import java.util.UUID;

/** The pod's receipt for a complete artifact (201). */
public record StoredArtifact(UUID id, String name, long bytes, String sha256) {
}
