package dev.trainpod.metrics;

import java.util.Arrays;
import java.util.Optional;

/** The phases a pod reports on {@code POST /api/v1/jobs/{id}/status}; the names are part of the pod contract. */
public enum JobPhase {
    DOWNLOADING,
    TRAINING,
    UPLOADING,
    SUCCEEDED,
    FAILED;

    /** The phase of that exact name, if there is one. */
    public static Optional<JobPhase> named(String name) {
        return Arrays.stream(values()).filter(p -> p.name().equals(name)).findFirst();
    }
}
