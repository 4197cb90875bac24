package dev.trainpod.metrics;

import dev.trainpod.common.security.TokenClaims;
import dev.trainpod.common.testing.JwtKeys;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;
import java.util.UUID;

/** Job tokens that are wrong in one way each, signed with deploy-service's real test key unless said otherwise. */
final class TestTokens {

    private TestTokens() {
    }

    /** A job token whose expiry passed an hour ago. */
    static String expiredJobToken(UUID deploymentId) {
        Instant now = Instant.now();
        return jobClaims(deploymentId, Set.of(TokenClaims.AUDIENCE_DATASET, TokenClaims.AUDIENCE_METRICS))
                .issuedAt(now.minus(Duration.ofHours(2))).expiresAt(now.minus(Duration.ofHours(1)))
                .jws().keyId(JwtKeys.DEPLOY_KID).sign(deployKey());
    }

    /** A job token meant for dataset-service only. */
    static String datasetOnlyJobToken(UUID deploymentId) {
        return jobClaims(deploymentId, Set.of(TokenClaims.AUDIENCE_DATASET)).expiresIn(Duration.ofHours(1))
                .jws().keyId(JwtKeys.DEPLOY_KID).sign(deployKey());
    }

    /** A job token claiming deploy-service's key id, signed with a key nobody trusts. */
    static String selfSignedJobToken(UUID deploymentId) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return jobClaims(deploymentId, Set.of(TokenClaims.AUDIENCE_DATASET, TokenClaims.AUDIENCE_METRICS))
                    .expiresIn(Duration.ofHours(1)).jws().keyId(JwtKeys.DEPLOY_KID)
                    .sign(generator.generateKeyPair().getPrivate());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JwtClaimsBuilder jobClaims(UUID deploymentId, Set<String> audiences) {
        return Jwt.issuer(JwtKeys.DEPLOY_ISSUER).subject(deploymentId.toString()).audience(audiences)
                .claim(TokenClaims.KIND, TokenClaims.KIND_JOB);
    }

    private static PrivateKey deployKey() {
        try {
            String pem = Files.readString(TrainpodTestResource.keys().deploySigningKey());
            String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return KeyFactory.getInstance("RSA")
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
