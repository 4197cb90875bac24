package dev.trainpod.common.testing;

import dev.trainpod.common.security.DeployTokens;
import dev.trainpod.common.security.TokenClaims;
import io.smallrye.jwt.build.Jwt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Two RSA key pairs made up for a test run or the local stack: the identity provider's (signs user tokens) and
 * deploy-service's (signs job and service tokens). The services verify with a JWKS holding both public keys.
 */
public final class JwtKeys {

    public static final String USER_ISSUER = "https://idp.trainpod.dev";
    public static final String DEPLOY_ISSUER = "https://deploy.trainpod.dev";
    public static final String IDP_KID = "idp-1";
    public static final String DEPLOY_KID = "deploy-1";

    private final KeyPair idp;
    private final KeyPair deploy;
    private final Path jwks;
    private final Path deploySigningKey;

    private JwtKeys(Path dir) {
        this.idp = generate();
        this.deploy = generate();
        try {
            Files.createDirectories(dir);
            jwks = dir.resolve("verify.jwks.json");
            Files.writeString(jwks, "{\"keys\":[" + jwk(IDP_KID, idp) + "," + jwk(DEPLOY_KID, deploy) + "]}");
            deploySigningKey = dir.resolve("deploy-signing-key.pem");
            Files.writeString(deploySigningKey, "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(deploy.getPrivate().getEncoded())
                    + "\n-----END PRIVATE KEY-----\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** New keys, written to {@code dir}. */
    public static JwtKeys create(Path dir) {
        return new JwtKeys(dir);
    }

    /** The JWKS file every service verifies tokens with. */
    public Path jwks() {
        return jwks;
    }

    /** deploy-service's private signing key (PKCS#8 PEM). */
    public Path deploySigningKey() {
        return deploySigningKey;
    }

    /** A user token from the identity provider, valid for an hour. */
    public String userToken(String userId) {
        return userToken(userId, Duration.ofHours(1));
    }

    /** A user token from the identity provider, valid for the given time. */
    public String userToken(String userId, Duration lifetime) {
        return Jwt.issuer(USER_ISSUER).subject(userId).audience(TokenClaims.AUDIENCE_API)
                .expiresIn(lifetime).jws().keyId(IDP_KID).sign(idp.getPrivate());
    }

    /** The identity provider's public key alone, as a JWKS (what its {@code jwks_uri} serves). */
    public String identityProviderJwks() {
        return "{\"keys\":[" + jwk(IDP_KID, idp) + "]}";
    }

    /** An OpenID Connect ID token from the identity provider for {@code clientId}, with the sign-in's nonce. */
    public String idToken(String userId, String clientId, String nonce, Duration lifetime) {
        var claims = Jwt.issuer(USER_ISSUER).subject(userId).audience(clientId).claim("preferred_username", userId);
        if (nonce != null) {
            claims.claim("nonce", nonce);
        }
        return claims.expiresIn(lifetime).jws().keyId(IDP_KID).sign(idp.getPrivate());
    }

    /** A job token as deploy-service signed it before tokens named the owner: no {@code trainpod_owner}. */
    public String jobToken(UUID deploymentId) {
        return jobToken(deploymentId, null);
    }

    /** A job token as deploy-service signs it for the pod of one deployment of {@code ownerId}. */
    public String jobToken(UUID deploymentId, String ownerId) {
        return DeployTokens.job(DEPLOY_ISSUER, deploymentId, ownerId)
                .expiresIn(Duration.ofHours(1)).jws().keyId(DEPLOY_KID).sign(deploy.getPrivate());
    }

    /** A job token with deploy-service's claims but signed with the identity provider's key: must be refused. */
    public String forgedJobToken(UUID deploymentId) {
        return DeployTokens.job(DEPLOY_ISSUER, deploymentId, null)
                .expiresIn(Duration.ofHours(1)).jws().keyId(IDP_KID).sign(idp.getPrivate());
    }

    /** A job token whose expiry passed an hour ago: must be refused. */
    public String expiredJobToken(UUID deploymentId) {
        Instant now = Instant.now();
        return DeployTokens.job(DEPLOY_ISSUER, deploymentId, null)
                .issuedAt(now.minus(Duration.ofHours(2))).expiresAt(now.minus(Duration.ofHours(1)))
                .jws().keyId(DEPLOY_KID).sign(deploy.getPrivate());
    }

    /** A job token meant for dataset-service only: metrics-service must refuse it. */
    public String datasetOnlyJobToken(UUID deploymentId) {
        return DeployTokens.job(DEPLOY_ISSUER, deploymentId, null).audience(TokenClaims.AUDIENCE_DATASET)
                .expiresIn(Duration.ofHours(1)).jws().keyId(DEPLOY_KID).sign(deploy.getPrivate());
    }

    /** A job token claiming deploy-service's key id, signed with a key nobody trusts: must be refused. */
    public String selfSignedJobToken(UUID deploymentId) {
        return DeployTokens.job(DEPLOY_ISSUER, deploymentId, null)
                .expiresIn(Duration.ofHours(1)).jws().keyId(DEPLOY_KID).sign(generate().getPrivate());
    }

    /** A user token with header {@code alg: none} and no signature: must be refused. */
    public String unsignedUserToken(String userId) {
        return compact("{\"alg\":\"none\",\"typ\":\"JWT\"}", userClaims(userId), "");
    }

    /**
     * A user token signed with HS256 keyed with the identity provider's public key (its X.509 encoding, as a
     * confused verifier would read the key file): must be refused.
     */
    public String hmacWithPublicKeyUserToken(String userId) {
        String header = "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" + IDP_KID + "\"}";
        String signingInput = b64(header) + "." + b64(userClaims(userId));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(idp.getPublic().getEncoded(), "HmacSHA256"));
            byte[] signature = mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A user token that expired an hour ago (beyond any clock-skew allowance). */
    public String expiredUserToken(String userId) {
        long now = Instant.now().getEpochSecond();
        return Jwt.issuer(USER_ISSUER).subject(userId).audience(TokenClaims.AUDIENCE_API)
                .issuedAt(now - 7200).expiresAt(now - 3600).jws().keyId(IDP_KID).sign(idp.getPrivate());
    }

    /** A user token that becomes valid only in an hour. */
    public String notYetValidUserToken(String userId) {
        long now = Instant.now().getEpochSecond();
        return Jwt.issuer(USER_ISSUER).subject(userId).audience(TokenClaims.AUDIENCE_API)
                .issuedAt(now).claim("nbf", now + 3600).expiresAt(now + 7200).jws().keyId(IDP_KID)
                .sign(idp.getPrivate());
    }

    /** A user token signed with the identity provider's key but naming another issuer. */
    public String wrongIssuerUserToken(String userId) {
        return Jwt.issuer("https://idp.example.org").subject(userId).audience(TokenClaims.AUDIENCE_API)
                .expiresIn(Duration.ofHours(1)).jws().keyId(IDP_KID).sign(idp.getPrivate());
    }

    /** A user token from the identity provider for an audience that is not Trainpod's. */
    public String wrongAudienceUserToken(String userId) {
        return Jwt.issuer(USER_ISSUER).subject(userId).audience("another-product")
                .expiresIn(Duration.ofHours(1)).jws().keyId(IDP_KID).sign(idp.getPrivate());
    }

    /** A service token as deploy-service signs it to call dataset-service. */
    public String serviceToken() {
        return DeployTokens.service(DEPLOY_ISSUER, "deploy-service")
                .expiresIn(Duration.ofMinutes(5)).jws().keyId(DEPLOY_KID).sign(deploy.getPrivate());
    }

    private static String userClaims(String userId) {
        long now = Instant.now().getEpochSecond();
        return "{\"iss\":\"" + USER_ISSUER + "\",\"sub\":\"" + userId + "\",\"aud\":\"" + TokenClaims.AUDIENCE_API
                + "\",\"iat\":" + now + ",\"exp\":" + (now + 3600) + "}";
    }

    private static String compact(String header, String claims, String signature) {
        return b64(header) + "." + b64(claims) + "." + signature;
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static KeyPair generate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String jwk(String kid, KeyPair pair) {
        RSAPublicKey key = (RSAPublicKey) pair.getPublic();
        return "{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\"" + kid + "\",\"n\":\""
                + b64(key.getModulus()) + "\",\"e\":\"" + b64(key.getPublicExponent()) + "\"}";
    }

    private static String b64(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            bytes = java.util.Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
