package dev.trainpod.dataset.service;

import dev.trainpod.dataset.problem.DatasetProblems;
import dev.trainpod.dataset.config.DatasetConfig;
import dev.trainpod.dataset.repository.StorageUsageRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * The storage quotas: datasets per user ({@code trainpod.dataset.max-datasets-per-user},
 * {@code max-dataset-bytes-per-user}) and artifacts per deployment ({@code max-artifacts-per-deployment},
 * {@code max-artifact-bytes-per-deployment}). Checked before anything is written, with what the request declares,
 * and again in the transaction that records it, under a lock on the owner, so that concurrent uploads cannot pass
 * the limit together; a refusal is a 409 problem with the limit and the usage, and the caller keeps nothing.
 */
@ApplicationScoped
public class StorageQuotas {

    private final StorageUsageRepository usage;
    private final int maxDatasets;
    private final long maxDatasetBytes;
    private final int maxArtifacts;
    private final long maxArtifactBytes;

    public StorageQuotas(StorageUsageRepository usage, DatasetConfig config) {
        this.usage = usage;
        this.maxDatasets = config.maxDatasetsPerUser();
        this.maxDatasetBytes = config.maxDatasetBytesPerUser().asLongValue();
        this.maxArtifacts = config.maxArtifactsPerDeployment();
        this.maxArtifactBytes = config.maxArtifactBytesPerDeployment().asLongValue();
    }

    /**
     * Fails with {@code dataset-quota-exceeded} unless one more dataset of {@code bytes} fits the user's quota. Needs
     * a session; with {@code lock}, in a transaction, it holds the user's quota lock until commit.
     */
    public Uni<Void> datasetFits(String userId, long bytes, boolean lock) {
        Uni<Void> locked = lock ? usage.lockUserDatasets(userId) : Uni.createFrom().voidItem();
        return locked.chain(() -> usage.datasets(userId)).invoke(used -> {
            if (used.count() + 1 > maxDatasets) {
                throw DatasetProblems.datasetQuotaExceeded("DATASET_COUNT_QUOTA", maxDatasets, used.count());
            }
            if (used.bytes() + bytes > maxDatasetBytes) {
                throw DatasetProblems.datasetQuotaExceeded("DATASET_BYTES_QUOTA", maxDatasetBytes, used.bytes());
            }
        }).replaceWithVoid();
    }

    /**
     * Locks the deployment's artifacts until commit and fails with {@code artifact-quota-exceeded} unless the
     * artifact {@code name} with {@code bytes} fits beside the others (an earlier upload of the name is replaced, so
     * it does not count). In a transaction.
     *
     * @return the bytes left for this artifact
     */
    public Uni<Long> artifactFits(UUID deploymentId, String name, long bytes) {
        return usage.lockDeployment(deploymentId).chain(() -> usage.artifacts(deploymentId, name)).map(used -> {
            if (used.count() + 1 > maxArtifacts) {
                throw DatasetProblems.artifactQuotaExceeded("ARTIFACT_COUNT_QUOTA", maxArtifacts, used.count());
            }
            if (used.bytes() + bytes > maxArtifactBytes) {
                throw DatasetProblems.artifactQuotaExceeded("ARTIFACT_BYTES_QUOTA", maxArtifactBytes, used.bytes());
            }
            return maxArtifactBytes - used.bytes();
        });
    }
}
