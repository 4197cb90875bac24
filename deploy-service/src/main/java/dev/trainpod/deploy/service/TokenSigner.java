package dev.trainpod.deploy.service;

import dev.trainpod.common.security.DeployTokens;
import dev.trainpod.common.security.JwtIssuers;
import dev.trainpod.deploy.config.DeployConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * Signs the tokens deploy-service hands out with its private key ({@code smallrye.jwt.sign.key.location}):
 * job tokens for pods and short-lived service tokens for calls to dataset-service.
 */
@ApplicationScoped
public class TokenSigner {

    private static final Duration SERVICE_TOKEN_LIFETIME = Duration.ofMinutes(5);

    private final JwtIssuers issuers;
    private final DeployConfig config;
    private volatile String serviceToken;
    private volatile Instant serviceTokenRenewAt = Instant.MIN;

    public TokenSigner(JwtIssuers issuers, DeployConfig config) {
        this.issuers = issuers;
        this.config = config;
    }

    /**
     * The job token of one deployment's pod: {@code sub} is the deployment id, {@code trainpod_owner} its owner,
     * valid until {@code expiresAt}.
     */
    public String jobToken(UUID deploymentId, String ownerId, Instant expiresAt) {
        return DeployTokens.job(issuers.deployIssuer(), deploymentId, ownerId)
                .issuedAt(Instant.now())
                .expiresAt(expiresAt)
                .jws().keyId(config.signingKeyId())
                .sign();
    }

    /**
     * {@link #jobToken}, signed on a worker thread (an RSA signature takes a millisecond or more, which an event loop
     * serving creates should not spend); the item arrives back on the caller's Vert.x context, where its session lives.
     */
    public Uni<String> jobTokenOffTheEventLoop(UUID deploymentId, String ownerId, Instant expiresAt) {
        Context context = Vertx.currentContext();
        if (context == null) {
            return Uni.createFrom().item(() -> jobToken(deploymentId, ownerId, expiresAt));
        }
        return Uni.createFrom().completionStage(() -> context
                .executeBlocking(() -> jobToken(deploymentId, ownerId, expiresAt), false).toCompletionStage());
    }

    /** A service token for dataset-service, reused until shortly before it expires. */
    public String serviceToken() {
        Instant now = Instant.now();
        if (serviceToken == null || now.isAfter(serviceTokenRenewAt)) {
            serviceToken = DeployTokens.service(issuers.deployIssuer(), "deploy-service")
                    .issuedAt(now)
                    .expiresAt(now.plus(SERVICE_TOKEN_LIFETIME))
                    .jws().keyId(config.signingKeyId())
                    .sign();
            serviceTokenRenewAt = now.plus(SERVICE_TOKEN_LIFETIME.dividedBy(2));
        }
        return serviceToken;
    }
}
