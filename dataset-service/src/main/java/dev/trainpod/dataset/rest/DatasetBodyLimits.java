package dev.trainpod.dataset.rest;

import dev.trainpod.common.http.BodyLimit;
import dev.trainpod.dataset.config.DatasetConfig;
import dev.trainpod.dataset.problem.DatasetProblems;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The body limits of dataset-service's routes, enforced by common's {@code RequestBodyGuard} before any byte of a
 * body is read or spooled: a dataset upload ({@link DatasetResource}) declared longer than
 * {@code trainpod.dataset.max-bytes} is refused as {@code dataset-too-large}. JSON bodies are limited service-wide
 * ({@code trainpod.http.max-json-body-size}); resumable uploads and artifacts check their declared sizes themselves.
 */
public class DatasetBodyLimits {

    @Produces
    @Singleton
    BodyLimit datasetUpload(DatasetConfig config) {
        long max = config.maxBytes().asLongValue();
        return new BodyLimit("POST", "/api/v1/datasets", max, DatasetProblems.tooLarge(max).problem());
    }
}
