package dev.trainpod.metrics;

import static dev.trainpod.metrics.Fixtures.execute;
import static org.assertj.core.api.Assertions.assertThat;

import dev.trainpod.common.job.JobLease;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Two replicas' {@link JobLease}s on one real database (the one every service's sweeps share, common migration
 * V0_4): a sweep both start at once runs on one of them only, the holder keeps it, and the other takes it over once
 * the holder's lease lapsed.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "metrics_test"))
class JobLeaseTest {

    private static final Duration TTL = Duration.ofMinutes(5);

    @Inject
    Pool pool;

    @Test
    void ofTwoReplicasOnlyOneRunsASweep() {
        JobLease a = new JobLease(pool, "replica-a");
        JobLease b = new JobLease(pool, "replica-b");
        String sweep = "test-sweep-" + UUID.randomUUID();
        AtomicInteger runs = new AtomicInteger();

        List<Boolean> ran = Uni.join().all(pass(a, sweep, runs), pass(b, sweep, runs)).andFailFast()
                .await().atMost(Duration.ofSeconds(10));

        assertThat(runs).hasValue(1);
        assertThat(ran).containsExactlyInAnyOrder(true, false);
        JobLease holder = ran.get(0) ? a : b;
        JobLease other = holder == a ? b : a;

        assertThat(await(pass(other, sweep, runs))).as("the other replica, while the lease is held").isFalse();
        assertThat(await(pass(holder, sweep, runs))).as("the holder, renewing its lease").isTrue();
        assertThat(runs).hasValue(2);

        execute("UPDATE lease SET held_until = now() - interval '1 second' WHERE name = ?", sweep);

        assertThat(await(pass(other, sweep, runs))).as("the other replica, once the lease lapsed").isTrue();
        assertThat(await(pass(holder, sweep, runs))).as("the former holder").isFalse();
        assertThat(runs).hasValue(3);
    }

    private static Uni<Boolean> pass(JobLease lease, String sweep, AtomicInteger runs) {
        return lease.whileHeld(sweep, TTL, () -> Uni.createFrom().item(runs::incrementAndGet));
    }

    private static Boolean await(Uni<Boolean> pass) {
        return pass.await().atMost(Duration.ofSeconds(10));
    }
}
