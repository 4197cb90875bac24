package dev.trainpod.metrics.repository;

import dev.trainpod.metrics.Job;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.UUID;

/** Jobs through Hibernate Reactive, for the changes that go with an outbox event or an inbox mark. */
@ApplicationScoped
public class JobRepository implements PanacheRepositoryBase<Job, UUID> {

    /**
     * The job, locked until the transaction ends: every writer of a job's row takes this lock (the telemetry
     * writes through their UPDATE), so no change is lost and no outcome event is emitted twice.
     */
    public Uni<Job> findForUpdate(UUID deploymentId) {
        return findById(deploymentId, LockModeType.PESSIMISTIC_WRITE);
    }
}
