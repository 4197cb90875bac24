package dev.trainpod.metrics;

import java.util.Arrays;
import java.util.Optional;

/** The phases a pod reports on {@code POST /api/v1/jobs/{id}/status}; the names are part of the pod contract. */
@org.eclipse.microprofile.openapi.annotations.media.Schema(description = "The pod's phase: DOWNLOADING, TRAINING, UPLOADING, SUCCEEDED or FAILED.")
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
