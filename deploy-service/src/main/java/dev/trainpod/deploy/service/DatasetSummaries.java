package dev.trainpod.deploy.service;

import dev.trainpod.common.dataset.DatasetSummary;
import dev.trainpod.deploy.client.DatasetServiceClient;
import dev.trainpod.deploy.repository.DatasetSummaryRepository;
import dev.trainpod.deploy.repository.DatasetSummaryRepository.Present;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.UUID;

/**
 * A user's dataset summary for the pre-flight checks, from the local copy of dataset-service's catalog
 * ({@code dataset_summary}, fed by the dataset-catalog topic) when it holds the dataset, else from dataset-service
 * over HTTP (a dataset uploaded a moment ago whose event has not arrived, or one from before the copy existed). The
 * answer is the one dataset-service's internal endpoint gives: the summary if the dataset exists and belongs to the
 * user, empty otherwise (a tombstone, another user's dataset). Counts
 * {@code trainpod_preflight_dataset_lookups_total{source="local"|"http"}}.
 */
@ApplicationScoped
public class DatasetSummaries {

    private final DatasetSummaryRepository local;
    private final DatasetServiceClient remote;
    private final Counter localHits;
    private final Counter httpFallbacks;

    public DatasetSummaries(DatasetSummaryRepository local, DatasetServiceClient remote, MeterRegistry registry) {
        this.local = local;
        this.remote = remote;
        this.localHits = lookups(registry, "local");
        this.httpFallbacks = lookups(registry, "http");
    }

    private static Counter lookups(MeterRegistry registry, String source) {
        return Counter.builder("trainpod_preflight_dataset_lookups_total")
                .description("Pre-flight dataset lookups, by where the answer came from: the local copy of "
                        + "dataset-service's catalog, or an HTTP call to dataset-service")
                .tag("source", source).register(registry);
    }

    /** The dataset's summary if it exists and belongs to the user; empty otherwise. */
    public Uni<Optional<DatasetSummary>> dataset(UUID datasetId, String userId) {
        return local.find(datasetId).chain(known -> {
            if (known.isEmpty()) {
                httpFallbacks.increment();
                return remote.dataset(datasetId, userId);
            }
            localHits.increment();
            return Uni.createFrom().item(known.get() instanceof Present p && p.summary().userId().equals(userId)
                    ? Optional.of(p.summary()) : Optional.<DatasetSummary>empty());
        });
    }
}
