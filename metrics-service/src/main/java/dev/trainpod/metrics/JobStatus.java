package dev.trainpod.metrics;

/** Where a job stands for metrics-service: running, finished by the pod's own report, or closed for good. */
@org.eclipse.microprofile.openapi.annotations.media.Schema(description = "The job's status: ACTIVE, SUCCEEDED, FAILED or ENDED.")
public enum JobStatus {
    /** Expected or running; the pod may write. */
    ACTIVE,
    /** The pod reported success; it may still flush its last points and lines. */
    SUCCEEDED,
    /** The pod (or another service) reported failure; it may still flush its last points and lines. */
    FAILED,
    /** The deployment ended and its pod is gone: pod writes answer 409. */
    ENDED;

    /** True once the training outcome is known, so that no second outcome event is emitted. */
    public boolean isFinished() {
        return this != ACTIVE;
    }
}
