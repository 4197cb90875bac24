package dev.trainpod.common.security;

/**
 * The roles a caller can hold; the issuer of its token decides which ({@link IssuerRoleAugmentor}).
 */
public final class Roles {

    /** A person, with a token from the product's identity provider. */
    public static final String USER = "user";
    /** A pod, with a job token deploy-service signed for one deployment ({@code sub} = deployment id). */
    public static final String JOB = "job";
    /** deploy-service itself, calling another service. */
    public static final String SERVICE = "service";

    private Roles() {
    }
}
