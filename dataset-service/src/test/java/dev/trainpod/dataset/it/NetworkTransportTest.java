package dev.trainpod.dataset.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** The services' network I/O runs on Netty's native epoll transport where it can load (common's configuration). */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "dataset_test"))
class NetworkTransportTest {

    @Inject
    Vertx vertx;

    @Test
    void onLinuxX8664TheNativeEpollTransportIsUsed() {
        assumeTrue(System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64"),
                "the native transport shipped is Linux x86-64's");
        assertThat(vertx.isNativeTransportEnabled())
                .as("native transport (cause if not: %s)", vertx.unavailableNativeTransportCause())
                .isTrue();
    }
}
