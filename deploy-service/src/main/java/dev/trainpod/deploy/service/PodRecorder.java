package dev.trainpod.deploy.service;

import dev.trainpod.deploy.client.RunPodClient;
import dev.trainpod.deploy.client.RunPodModels;
import dev.trainpod.deploy.repository.DeploymentRepository;
import dev.trainpod.deploy.service.DeploymentStateMachine.PodRecorded;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Records a pod that a create call returned, or that was found at RunPod for a deployment that never recorded it
 * (adoption), and deals with what the record says: a deployment that ended meanwhile has its pod terminated at
 * once, a second pod of a deployment is terminated as a duplicate.
 */
@ApplicationScoped
public class PodRecorder {

    private static final Logger LOG = Logger.getLogger(PodRecorder.class);

    private final DeploymentRepository deployments;
    private final DeploymentStateMachine states;
    private final Terminator terminator;
    private final RunPodClient runPod;

    public PodRecorder(DeploymentRepository deployments, DeploymentStateMachine states, Terminator terminator,
                       RunPodClient runPod) {
        this.deployments = deployments;
        this.states = states;
        this.terminator = terminator;
        this.runPod = runPod;
    }

    /** Records the pod created on {@code type} for the deployment and acts on the outcome. */
    public Uni<Void> created(UUID id, RunPodModels.Pod pod, String type, int count, String cloud, String apiKey,
                             String message) {
        return Panache.withTransaction(() -> deployments.locked(id).chain(d -> states.podCreated(d, pod.id(), type,
                        count, cloud, pod.cost(), pod.createdAt(), message)))
                .chain(outcome -> act(id, pod, apiKey, outcome));
    }

    /**
     * Adopts a pod that was created for the deployment but never recorded (the service stopped between the create
     * call and its commit); a deployment that ended meanwhile records it and has it terminated.
     */
    public Uni<Void> adopt(UUID id, RunPodModels.Pod pod, String apiKey) {
        LOG.infof("deployment %s: adopting pod %s found at RunPod", id, pod.id());
        String type = pod.gpu() == null ? null : pod.gpu().id();
        int count = pod.gpu() == null || pod.gpu().count() == null ? 1 : pod.gpu().count();
        return created(id, pod, type, count, pod.cloud(), apiKey, "Adopted pod " + pod.id() + " on " + type
                + ", created before deploy-service could record it.");
    }

    private Uni<Void> act(UUID id, RunPodModels.Pod pod, String apiKey, PodRecorded outcome) {
        return switch (outcome) {
            case STARTED -> Uni.createFrom().voidItem();
            case ENDED_MEANWHILE -> {
                LOG.infof("deployment %s ended while its pod %s was created; terminating it", id, pod.id());
                yield terminator.terminate(id);
            }
            case DUPLICATE -> {
                LOG.warnf("deployment %s already has a pod; terminating the duplicate %s", id, pod.id());
                yield runPod.terminatePod(apiKey, pod.id());
            }
        };
    }
}
