package dev.trainpod.deploy;

import java.util.EnumSet;
import java.util.Set;

/** Where a deployment is in its life; the names are part of the public contract. */
public enum DeploymentStatus {
    PENDING,
    PROVISIONING,
    STARTING,
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    private static final Set<DeploymentStatus> TERMINAL = EnumSet.of(SUCCEEDED, FAILED, CANCELLED);

    /** True once nothing but pod termination and bookkeeping can happen to the deployment. */
    public boolean terminal() {
        return TERMINAL.contains(this);
    }
}
