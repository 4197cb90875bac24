package dev.trainpod.dataset.rest;

import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** The deployment a job token speaks for: its {@code sub}. */
final class PodIdentity {

    private PodIdentity() {
    }

    /** The deployment id, or null when the subject is not one. */
    static UUID deployment(JsonWebToken jwt) {
        try {
            return UUID.fromString(jwt.getSubject());
        } catch (IllegalArgumentException | NullPointerException e) {
            return null;
        }
    }
}
