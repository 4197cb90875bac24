package dev.trainpod.deploy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.common.MapBackedConfigSource;
import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * No address deploy-service calls or hands to pods has a default pointing at localhost: with the service's own
 * application.properties, in the production profile, a missing address stops the configuration from being read
 * (so the service does not start) and the error names the setting; the dev and test profiles set them.
 */
class RequiredAddressesTest {

    @Test
    void productionWithoutTheAddressesFailsNamingEachSetting() throws IOException {
        assertThatThrownBy(() -> config("prod", Map.of()))
                .hasMessageContaining("trainpod.deploy.metrics-public-url")
                .hasMessageContaining("trainpod.deploy.dataset-public-url")
                .hasMessageContaining("DATASET_SERVICE_URL");
    }

    @Test
    void productionWithTheAddressesSetStarts() throws IOException {
        DeployConfig config = config("prod", Map.of("DATASET_SERVICE_URL", "http://dataset-service:8082",
                "trainpod.deploy.metrics-public-url", "https://trainpod.example.com",
                "trainpod.deploy.dataset-public-url", "https://trainpod.example.com"));
        assertThat(config.datasetServiceUrl()).isEqualTo("http://dataset-service:8082");
    }

    @Test
    void theTestProfileSetsThem() throws IOException {
        assertThat(config("test", Map.of()).metricsPublicUrl()).startsWith("http://localhost:");
    }

    private static DeployConfig config(String profile, Map<String, String> settings) throws IOException {
        URL properties = RequiredAddressesTest.class.getClassLoader().getResource("application.properties");
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withProfile(profile)
                .withSources(new PropertiesConfigSource(properties, 100))
                .withSources(new MapBackedConfigSource("settings", settings, 400) {
                })
                .withMapping(DeployConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withValidateUnknown(false)
                .build();
        return config.getConfigMapping(DeployConfig.class);
    }
}
