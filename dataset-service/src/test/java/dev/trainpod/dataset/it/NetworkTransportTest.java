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

/**
 * The services' network I/O (common's configuration): Netty's native epoll transport where it can load, on one event
 * loop.
 */
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

    @Test
    void oneEventLoopSoThatNoStatementCrossesLoops() {
        // the reactive pool's connections sit on the loops in turn: with more than one loop, a request's statement
        // mostly ran on another loop's connection, two thread wake-ups per statement (BENCHMARKS.md, "Session 11")
        int loops = 0;
        for (var ignored : vertx.nettyEventLoopGroup()) {
            loops++;
        }
        assertThat(loops).as("event loops of the service's Vert.x").isEqualTo(1);
    }
}
