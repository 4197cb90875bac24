package dev.trainpod.common.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Who may issue which tokens. */
@ConfigMapping(prefix = "trainpod.jwt")
public interface JwtIssuers {

    /** Issuer of user tokens (the product's identity provider); default {@code https://idp.trainpod.dev}. */
    @WithDefault("https://idp.trainpod.dev")
    String userIssuer();

    /** Issuer of job and service tokens (deploy-service); default {@code https://deploy.trainpod.dev}. */
    @WithDefault("https://deploy.trainpod.dev")
    String deployIssuer();

    /** Ids ({@code kid}) of deploy-service's signing keys: only they may sign job and service tokens; default {@code deploy-1}. */
    @WithDefault("deploy-1")
    java.util.Set<String> deployKeyIds();
}
