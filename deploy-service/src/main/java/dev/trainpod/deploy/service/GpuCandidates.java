package dev.trainpod.deploy.service;

import dev.trainpod.deploy.JobSpec;
import dev.trainpod.deploy.client.CatalogCache;
import dev.trainpod.deploy.client.RunPodClient;
import dev.trainpod.deploy.client.RunPodModels;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The GPU types worth a create call for a job: the user's, in the user's order, less those RunPod has none of. The
 * catalog is read fresh for each provisioning and offered to the {@link CatalogCache} for the pre-flight.
 */
@ApplicationScoped
public class GpuCandidates {

    private final RunPodClient runPod;
    private final CatalogCache catalogs;

    public GpuCandidates(RunPodClient runPod, CatalogCache catalogs) {
        this.runPod = runPod;
        this.catalogs = catalogs;
    }

    /** The candidates now; all of the user's types when the catalog cannot be read (the create call decides). */
    public Uni<List<String>> of(String apiKey, JobSpec spec) {
        return runPod.gpuCatalog(apiKey).invoke(catalogs::offer).map(catalog -> {
            Map<String, RunPodModels.CatalogGpu> byId = catalog.gpus().stream()
                    .collect(Collectors.toMap(RunPodModels.CatalogGpu::id, Function.identity(), (a, b) -> a));
            return spec.gpu().types().stream()
                    .filter(t -> byId.get(t) == null || !"NONE".equals(byId.get(t).availability()))
                    .toList();
        }).onFailure().recoverWithItem(spec.gpu().types());
    }
}
