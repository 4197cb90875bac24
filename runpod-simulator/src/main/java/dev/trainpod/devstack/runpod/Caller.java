package dev.trainpod.devstack.runpod;

/**
 * The holder of the bearer key a /v2 request carried.
 *
 * @param key the key itself; pods created with an account key belong to it
 * @param podId for a pod-scoped key, the one pod it may act on; {@code null} for an account key
 */
record Caller(String key, String podId) {

    boolean podScoped() {
        return podId != null;
    }

    /** Whether a pod-scoped caller may use this path: only its own pod and what lies below it. */
    boolean mayAccess(String path) {
        String own = "/v2/pods/" + podId;
        return !podScoped() || path.equals(own) || path.startsWith(own + "/");
    }
}
