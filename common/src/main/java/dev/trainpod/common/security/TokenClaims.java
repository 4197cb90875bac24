package dev.trainpod.common.security;

/** Claim names and values of the tokens deploy-service signs. */
public final class TokenClaims {

    /** Says what a token deploy-service signed is for: {@link #KIND_JOB} or {@link #KIND_SERVICE}. */
    public static final String KIND = "trainpod_kind";
    public static final String KIND_JOB = "job";
    public static final String KIND_SERVICE = "service";

    /**
     * On job tokens: the user who owns the deployment, so that a service that has not yet heard of the deployment
     * (its {@code DeploymentRequested} still on the way) can take the pod's writes on the token's word.
     */
    public static final String OWNER = "trainpod_owner";

    /** Audience of user tokens (the public API). */
    public static final String AUDIENCE_API = "trainpod-api";
    /** Audience of tokens meant for dataset-service (job and service tokens). */
    public static final String AUDIENCE_DATASET = "trainpod-dataset";
    /** Audience of tokens meant for metrics-service (job tokens). */
    public static final String AUDIENCE_METRICS = "trainpod-metrics";

    private TokenClaims() {
    }
}
