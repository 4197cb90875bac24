package dev.trainpod.metrics.repository;

import dev.trainpod.metrics.Job;
import dev.trainpod.metrics.PhaseChange;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

/** Phase and status changes through Hibernate Reactive, written in the transaction that makes the change. */
@ApplicationScoped
public class PhaseChangeRepository implements PanacheRepositoryBase<PhaseChange, Long> {

    /** Records the job's phase and status as they stand now; call it with the job's row locked. */
    public Uni<Void> record(Job job, Instant now) {
        return persist(PhaseChange.of(job, now)).replaceWithVoid();
    }
}
