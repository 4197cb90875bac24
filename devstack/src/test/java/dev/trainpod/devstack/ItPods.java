package dev.trainpod.devstack;

/**
 * The names the shared stack's deploy-service gives its pods, {@code trainpod-<installation>-<deployment id>}, with
 * the installation id {@link SharedStack} sets.
 */
final class ItPods {

    /** The shared stack's installation id ({@code trainpod.deploy.installation-id}). */
    static final String INSTALLATION = "it";
    /** What the name of every pod of the shared stack begins with. */
    static final String PREFIX = "trainpod-" + INSTALLATION + "-";

    private ItPods() {
    }

    /** The name of the deployment's pod. */
    static String name(String deploymentId) {
        return PREFIX + deploymentId;
    }
}
