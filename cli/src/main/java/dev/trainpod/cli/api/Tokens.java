package dev.trainpod.cli.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * Reads the claims of a JWT access token without verifying it (the services verify it): the CLI only wants to say
 * who is signed in and to notice an expired token before sending it.
 */
public final class Tokens {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Tokens() {
    }

    /** The token's claims, or empty when it is not a JWT (an opaque token is sent as it is). */
    public static Optional<JsonNode> claims(String token) {
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            byte[] payload = Base64.getUrlDecoder().decode(parts[1]);
            JsonNode claims = JSON.readTree(new String(payload, StandardCharsets.UTF_8));
            return claims != null && claims.isObject() ? Optional.of(claims) : Optional.empty();
        } catch (IllegalArgumentException | IOException e) {
            return Optional.empty();
        }
    }

    /** The {@code sub} claim, or null. */
    public static String subject(String token) {
        return claims(token).map(c -> c.path("sub").asText(null)).orElse(null);
    }

    /** When the token expires ({@code exp}), or empty when it does not say. */
    public static Optional<Instant> expiresAt(String token) {
        return claims(token).filter(c -> c.path("exp").isNumber())
                .map(c -> Instant.ofEpochSecond(c.path("exp").asLong()));
    }
}
