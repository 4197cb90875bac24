package dev.trainpod.devstack.runpod;

import java.util.List;

/** RunPod's pod lifecycle states, with the actions each one allows. */
enum PodStatus {
    PROVISIONING, STARTING, RUNNING, EXITED, ERROR, TERMINATED;

    List<PodAction> actions() {
        return switch (this) {
            case PROVISIONING, STARTING -> List.of(PodAction.STOP, PodAction.TERMINATE);
            case RUNNING -> List.of(PodAction.STOP, PodAction.RESTART, PodAction.TERMINATE);
            case EXITED, ERROR -> List.of(PodAction.START, PodAction.TERMINATE);
            case TERMINATED -> List.of();
        };
    }

    /** Whether RunPod charges for the pod's GPUs in this state. */
    boolean billsCompute() {
        return this == PROVISIONING || this == STARTING || this == RUNNING;
    }
}
