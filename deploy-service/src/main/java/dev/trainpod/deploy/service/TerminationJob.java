package dev.trainpod.deploy.service;

import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * Terminates the pods of ended deployments that are not confirmed terminated yet: the retry path when
 * RunPod was unreachable or the service stopped between the status change and the termination.
 */
@ApplicationScoped
public class TerminationJob {

    private final Terminator terminator;

    public TerminationJob(Terminator terminator) {
        this.terminator = terminator;
    }

    @Scheduled(every = "${trainpod.deploy.termination-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> terminateLeftovers() {
        return Panache.withSession(() -> Deployment.<Deployment>find(
                        "status in ?1 and podId is not null and podTerminatedAt is null",
                        List.of(DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED, DeploymentStatus.CANCELLED))
                        .page(0, 50).list())
                .onItem().transformToMulti(list -> Multi.createFrom().iterable(list))
                .onItem().transformToUniAndConcatenate(d -> terminator.terminate(d.id).onFailure().recoverWithNull())
                .collect().last().replaceWithVoid()
                .onFailure().recoverWithNull().replaceWithVoid();
    }
}
