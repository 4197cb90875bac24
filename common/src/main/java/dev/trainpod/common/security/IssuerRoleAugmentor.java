package dev.trainpod.common.security;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.spi.JsonProvider;
import java.io.ByteArrayInputStream;
import java.util.Base64;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Gives a verified token exactly one role, derived from who issued it: the identity provider's tokens are
 * {@link Roles#USER}; deploy-service's are {@link Roles#JOB} or {@link Roles#SERVICE} by their
 * {@link TokenClaims#KIND} claim. Roles a token claims for itself ({@code groups}) are ignored, so a job token
 * can never call a user endpoint nor the reverse.
 */
@ApplicationScoped
public class IssuerRoleAugmentor implements SecurityIdentityAugmentor {

    /**
     * Looked up once: {@code Json.createReader} looks the provider up through the ServiceLoader on every call (a
     * jar scan and a new provider), which was about a tenth of metrics-service's CPU per ingested batch.
     */
    private static final JsonProvider JSON = JsonProvider.provider();

    private final JwtIssuers issuers;

    public IssuerRoleAugmentor(JwtIssuers issuers) {
        this.issuers = issuers;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return Uni.createFrom().item(identity);
        }
        QuarkusSecurityIdentity.Builder builder = QuarkusSecurityIdentity.builder()
                .setPrincipal(jwt)
                .addCredentials(identity.getCredentials())
                .addAttributes(identity.getAttributes())
                .setAnonymous(false);
        String role = roleOf(jwt);
        if (role != null) {
            builder.addRole(role);
        }
        return Uni.createFrom().item(builder.build());
    }

    private String roleOf(JsonWebToken jwt) {
        String issuer = jwt.getIssuer();
        boolean deployKey = issuers.deployKeyIds().contains(keyIdOf(jwt.getRawToken()));
        if (issuers.userIssuer().equals(issuer)) {
            return jwt.containsClaim(TokenClaims.KIND) || deployKey ? null : Roles.USER;
        }
        // Both issuers' keys verify signatures; a job or service token must also be signed by deploy-service's key.
        if (issuers.deployIssuer().equals(issuer) && deployKey) {
            String kind = DeployTokens.kind(jwt);
            if (TokenClaims.KIND_JOB.equals(kind)) {
                return Roles.JOB;
            }
            if (TokenClaims.KIND_SERVICE.equals(kind)) {
                return Roles.SERVICE;
            }
        }
        return null;
    }

    /** The {@code kid} of a compact JWS; the signature was verified before augmentation. */
    static String keyIdOf(String rawToken) {
        if (rawToken == null) {
            return null;
        }
        int dot = rawToken.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        try {
            byte[] header = Base64.getUrlDecoder().decode(rawToken.substring(0, dot));
            try (JsonReader reader = JSON.createReader(new ByteArrayInputStream(header))) {
                JsonObject h = reader.readObject();
                return h.containsKey("kid") ? h.getString("kid", null) : null;
            }
        } catch (RuntimeException e) {
            return null;
        }
    }
}
