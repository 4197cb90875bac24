package dev.trainpod.dataset.repository;

import dev.trainpod.dataset.DownloadRecord;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/** The record of every download. */
@ApplicationScoped
public class DownloadRecordRepository implements PanacheRepositoryBase<DownloadRecord, UUID> {
}
