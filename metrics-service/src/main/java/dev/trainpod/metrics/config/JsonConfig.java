package dev.trainpod.metrics.config;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Lets request bodies carry {@code NaN} and {@code Infinity}, which Python's {@code json.dumps} writes for a
 * diverged loss, so that the metrics endpoint can answer which point and field they were in instead of a bare
 * "malformed JSON"; the endpoint itself accepts finite numbers only.
 */
@Singleton
public class JsonConfig implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS.mappedFeature());
    }
}
