package dev.trainpod.metrics.repository;

import dev.trainpod.metrics.StoredCheckpoint;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

/** The checkpoints a job's pods stored, through Hibernate Reactive, written with the job's row locked. */
@ApplicationScoped
public class StoredCheckpointRepository implements PanacheRepositoryBase<StoredCheckpoint, Long> {
}
