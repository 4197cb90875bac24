package dev.trainpod.common.security;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import jakarta.json.JsonString;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The one place that builds and reads the claims of the tokens deploy-service signs ({@link TokenClaims}): job
 * tokens, which a pod holds for one deployment ({@code sub} = the deployment id, {@code trainpod_owner} = its owner),
 * and service tokens for dataset-service. deploy-service signs what {@link #job} and {@link #service} build; the
 * other services read with {@link #deployment}, {@link #owner} and {@link #kind}; the test kit makes its tokens here
 * too, so a test token and a real one cannot drift apart.
 */
public final class DeployTokens {

    private DeployTokens() {
    }

    /**
     * The claims of a job token for one deployment's pod, for both audiences; {@code ownerId} may be null (tokens
     * signed before the owner was added carried none). The caller sets the times and signs.
     */
    public static JwtClaimsBuilder job(String issuer, UUID deploymentId, String ownerId) {
        JwtClaimsBuilder claims = Jwt.issuer(issuer)
                .subject(deploymentId.toString())
                .audience(Set.of(TokenClaims.AUDIENCE_DATASET, TokenClaims.AUDIENCE_METRICS))
                .claim(TokenClaims.KIND, TokenClaims.KIND_JOB);
        return ownerId == null ? claims : claims.claim(TokenClaims.OWNER, ownerId);
    }

    /** The claims of a service token of {@code subject} (a service's name) for dataset-service. */
    public static JwtClaimsBuilder service(String issuer, String subject) {
        return Jwt.issuer(issuer)
                .subject(subject)
                .audience(TokenClaims.AUDIENCE_DATASET)
                .claim(TokenClaims.KIND, TokenClaims.KIND_SERVICE);
    }

    /**
     * The deployment a job token speaks for: its {@code sub} as a UUID in canonical form; null when the subject is
     * none (a short form such as {@code 1-1-1-1-1}, which {@link UUID#fromString} accepts, names no deployment).
     */
    public static UUID deployment(JsonWebToken token) {
        return canonicalUuid(token.getSubject());
    }

    /** Whether the token speaks for this deployment. */
    public static boolean speaksFor(JsonWebToken token, UUID deploymentId) {
        return deploymentId != null && deploymentId.equals(deployment(token));
    }

    /** The deployment's owner a job token names, if it names one. */
    public static Optional<String> owner(JsonWebToken token) {
        return Optional.ofNullable(text(token, TokenClaims.OWNER)).filter(s -> !s.isBlank());
    }

    /** The token's kind ({@link TokenClaims#KIND_JOB}, {@link TokenClaims#KIND_SERVICE}), or null. */
    public static String kind(JsonWebToken token) {
        return text(token, TokenClaims.KIND);
    }

    /** A UUID only in its canonical form (36 characters), else null. */
    public static UUID canonicalUuid(String raw) {
        if (raw == null || raw.length() != 36) {
            return null;
        }
        try {
            UUID id = UUID.fromString(raw);
            return id.toString().equalsIgnoreCase(raw) ? id : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String text(JsonWebToken token, String claim) {
        Object value = token.getClaim(claim);
        return value instanceof JsonString json ? json.getString() : value == null ? null : value.toString();
    }
}
