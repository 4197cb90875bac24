package dev.trainpod.deploy.service;

import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import dev.trainpod.deploy.client.RunPodClient;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Moves deployments from STARTING to RUNNING once RunPod reports their pod running. */
@ApplicationScoped
public class PodStatusJob {

    private final RunPodClient runPod;
    private final PodCredentials credentials;
    private final Transitions transitions;

    public PodStatusJob(RunPodClient runPod, PodCredentials credentials, Transitions transitions) {
        this.runPod = runPod;
        this.credentials = credentials;
        this.transitions = transitions;
    }

    @Scheduled(every = "${trainpod.deploy.pod-status-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> refreshStarting() {
        return Panache.withSession(() -> Deployment.<Deployment>find("status", DeploymentStatus.STARTING)
                        .page(0, 50).list())
                .onItem().transformToMulti(list -> Multi.createFrom().iterable(list))
                .onItem().transformToUniAndConcatenate(d -> refresh(d).onFailure().recoverWithNull())
                .collect().last().replaceWithVoid()
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private Uni<Void> refresh(Deployment d) {
        return Panache.withSession(() -> credentials.forDeployment(d))
                .chain(key -> key.isEmpty() ? Uni.createFrom().nullItem() : runPod.getPod(key.get(), d.podId))
                .chain(pod -> pod == null || pod.isEmpty() || !"RUNNING".equals(pod.get().status())
                        ? Uni.createFrom().voidItem()
                        : Panache.withTransaction(() -> Deployment.<Deployment>findById(d.id).chain(fresh ->
                                fresh.status == DeploymentStatus.STARTING
                                        ? transitions.move(fresh, DeploymentStatus.RUNNING, null, "Pod is running.")
                                        : Uni.createFrom().voidItem())));
    }
}
