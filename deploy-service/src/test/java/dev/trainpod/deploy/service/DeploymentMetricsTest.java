package dev.trainpod.deploy.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.trainpod.common.testing.TrainpodTestResource;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import dev.trainpod.deploy.repository.DeploymentRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The business metrics move with the state machine: a failure is counted once, by status and reason, when its
 * end is announced (after the pod is confirmed gone), with its cost, its overshoot of the budget and the time
 * from failure to termination; a second termination report counts nothing.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "deploy_state_test"))
class DeploymentMetricsTest {

    /** maxCostUsd 50: a pod at 60 $/h for an hour overshoots it by about 10 $. */
    private static final String SPEC = "{\"datasetId\": \"" + UUID.randomUUID() + "\", \"baseModel\": \"m\","
            + " \"method\": \"SFT\", \"gpu\": {\"types\": [\"NVIDIA L40S\"]},"
            + " \"limits\": {\"maxRuntimeMinutes\": 600, \"maxCostUsd\": 50}}";

    @Inject
    DeploymentStateMachine states;
    @Inject
    DeploymentRepository deployments;
    @Inject
    MeterRegistry registry;

    @Test
    void aFailureIsCountedOnceWithItsCostOvershootAndTimeToTermination() throws Throwable {
        double failed = ended("FAILED", "FAILED_TRAINING");
        long terminations = endToTermination("FAILED").count();
        double billed = counter("trainpod.deployment.billed.dollars", "status", "FAILED").count();
        double overshoot = registry.get("trainpod.deployment.budget.overshoot.dollars").counter().count();
        double overBudget = registry.get("trainpod.deployments.over.budget").counter().count();

        UUID id = insertRunning();
        run(() -> Panache.withTransaction(() -> deployments.locked(id).chain(d ->
                states.move(d, DeploymentStatus.FAILED, "FAILED_TRAINING", "the trainer exited with 3"))));
        assertThat(ended("FAILED", "FAILED_TRAINING")).as("not counted while the pod may bill").isEqualTo(failed);

        Instant terminatedAt = Instant.now().plusSeconds(2);
        for (int i = 0; i < 2; i++) {
            run(() -> Panache.withTransaction(() -> deployments.locked(id).chain(d ->
                    states.podTerminated(d, terminatedAt))));
        }
        Deployment d = run(() -> Panache.withSession(() -> deployments.findById(id)));
        assertThat(d.costUsd).isGreaterThan(new BigDecimal("50"));

        assertThat(ended("FAILED", "FAILED_TRAINING")).isEqualTo(failed + 1);
        assertThat(endToTermination("FAILED").count()).isEqualTo(terminations + 1);
        assertThat(counter("trainpod.deployment.billed.dollars", "status", "FAILED").count() - billed)
                .isCloseTo(d.costUsd.doubleValue(), offset(0.001));
        assertThat(registry.get("trainpod.deployments.over.budget").counter().count()).isEqualTo(overBudget + 1);
        assertThat(registry.get("trainpod.deployment.budget.overshoot.dollars").counter().count() - overshoot)
                .isCloseTo(d.costUsd.doubleValue() - 50, offset(0.001));
    }

    @Test
    void reasonsOutsideThePublicContractAreNeverLabels() {
        assertThat(DeploymentMetrics.reasonCode(null)).isEqualTo("NONE");
        assertThat(DeploymentMetrics.reasonCode("FAILED_BUDGET")).isEqualTo("FAILED_BUDGET");
        assertThat(DeploymentMetrics.reasonCode("user 42 said so")).isEqualTo("OTHER");
    }

    private double ended(String status, String reason) {
        Counter c = registry.find("trainpod.deployments.ended").tags("status", status, "reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    private Timer endToTermination(String status) {
        return registry.get("trainpod.deployment.end.to.termination").tags("status", status).timer();
    }

    private Counter counter(String name, String... tags) {
        return registry.get(name).tags(tags).counter();
    }

    private UUID insertRunning() throws Throwable {
        Deployment d = new Deployment();
        d.id = UUID.randomUUID();
        d.userId = "metrics-user";
        d.datasetId = UUID.randomUUID();
        d.baseModel = "m";
        d.method = "SFT";
        d.request = SPEC;
        d.status = DeploymentStatus.RUNNING;
        d.podId = "pod-" + d.id;
        d.createdAt = Instant.now().minusSeconds(3700);
        d.updatedAt = d.createdAt;
        d.podCreatedAt = Instant.now().minusSeconds(3600);
        d.costPerHour = new BigDecimal("60");
        run(() -> Panache.withTransaction(() -> deployments.persist(d)));
        return d.id;
    }

    private static <T> T run(Supplier<Uni<T>> work) throws Exception {
        try {
            return VertxContextSupport.subscribeAndAwait(work);
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
