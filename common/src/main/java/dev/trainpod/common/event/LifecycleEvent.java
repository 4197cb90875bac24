package dev.trainpod.common.event;

/**
 * One event on the {@code deployment-lifecycle} topic; every event is keyed by its deployment id.
 */
public sealed interface LifecycleEvent
        permits DeploymentRequested, PodStarted, TrainingFailed, TrainingSucceeded, ArtifactsStored,
        CheckpointStored, DeploymentEnded {

    /** The Kafka topic that carries every lifecycle event. */
    String TOPIC = "deployment-lifecycle";

    /** The deployment this event belongs to; also the Kafka record key. */
    java.util.UUID deploymentId();

    /** The CloudEvents {@code ce_type}: the record's simple name, e.g. {@code TrainingFailed}. */
    default String type() {
        return getClass().getSimpleName();
    }
}
