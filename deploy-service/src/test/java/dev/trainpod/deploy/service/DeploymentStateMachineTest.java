package dev.trainpod.deploy.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trainpod.common.event.FailureReason;
import dev.trainpod.common.job.JobLease;
import dev.trainpod.common.problem.ProblemException;
import dev.trainpod.common.testing.TrainpodTestResource;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import dev.trainpod.deploy.repository.DeploymentRepository;
import dev.trainpod.deploy.service.DeploymentStateMachine.PodRecorded;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The deployment state machine against a real PostgreSQL: the table of moves is the database's, illegal moves are
 * refused whoever writes them, concurrent writers cannot overwrite each other's move, and {@code DeploymentEnded}
 * is written exactly once, also when a cancel races the create call.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "deploy_state_test"))
class DeploymentStateMachineTest {

    private static final String SPEC = "{\"datasetId\": \"" + UUID.randomUUID() + "\", \"baseModel\": \"m\","
            + " \"method\": \"SFT\", \"gpu\": {\"types\": [\"NVIDIA L40S\"]},"
            + " \"limits\": {\"maxRuntimeMinutes\": 600, \"maxCostUsd\": 50}}";

    @Inject
    DeploymentStateMachine states;
    @Inject
    DeploymentRepository deployments;
    @Inject
    DeploymentService service;
    @Inject
    Failures failures;
    @Inject
    JobLease lease;
    @Inject
    Pool pool;

    @Test
    void theDatabaseHoldsTheTableOfMovesAndRefusesAnyOther() throws Throwable {
        List<String> stored = new ArrayList<>();
        run(() -> pool.query("SELECT from_status || '->' || to_status AS m FROM deployment_move").execute())
                .forEach(row -> stored.add(row.getString("m")));
        assertThat(Set.copyOf(stored)).isEqualTo(DeploymentStateMachine.movesAsText());
        for (DeploymentStatus s : DeploymentStatus.values()) {
            assertThat(s.terminal() == DeploymentStatus.MOVES.get(s).isEmpty()).as(s.name()).isTrue();
        }

        UUID running = insert(DeploymentStatus.RUNNING, null, "pod-a");
        // A raw statement cannot make an illegal move either.
        assertThatThrownBy(() -> run(() -> pool.preparedQuery("UPDATE deployment SET status = 'PENDING' WHERE id = $1")
                .execute(Tuple.of(running)))).hasMessageContaining("illegal deployment move RUNNING -> PENDING");
        run(() -> pool.preparedQuery("UPDATE deployment SET status = 'SUCCEEDED' WHERE id = $1")
                .execute(Tuple.of(running)));
        assertThatThrownBy(() -> run(() -> pool.preparedQuery("UPDATE deployment SET status = 'RUNNING' WHERE id = $1")
                .execute(Tuple.of(running)))).hasMessageContaining("illegal deployment move SUCCEEDED -> RUNNING");
    }

    @Test
    void aLostPodIsReplacedAfterItsTerminationAndTheCostIsTheSumOfThePods() throws Throwable {
        UUID id = insert(DeploymentStatus.RUNNING, null, "pod-1");
        int checkpoint = 0;
        for (String next : List.of("pod-2", "pod-3")) {
            int stored = checkpoint += 8; // the lost pod stored a checkpoint 8 steps on (CheckpointStored)
            run(() -> Panache.withTransaction(() -> deployments.locked(id).invoke(d -> d.lastCheckpointStep = stored)));
            assertThat(recover(id)).isEqualTo(DeploymentStateMachine.Recovery.RECOVERING);
            assertThat(find(id).status).isEqualTo(DeploymentStatus.RECOVERING);
            assertThat(recover(id)).as("a second verdict on the same loss").isEqualTo(
                    DeploymentStateMachine.Recovery.RECOVERING);
            terminated(id, 3600);
            Deployment waiting = find(id);
            assertThat(waiting.status).as("provisioned again only once the lost pod is gone")
                    .isEqualTo(DeploymentStatus.PENDING);
            assertThat(waiting.podId).isNull();
            run(() -> Panache.withTransaction(() -> deployments.locked(id).chain(d -> states.move(d,
                    DeploymentStatus.PROVISIONING, null, "claimed"))));
            run(() -> Panache.withTransaction(() -> deployments.locked(id).chain(d -> states.podCreated(d, next,
                    "NVIDIA L40S", 1, "SECURE", BigDecimal.ONE, Instant.now().minusSeconds(3600), "created"))));
        }
        assertThat(recover(id)).as("limits.maxRecoveries defaults to 2").isEqualTo(
                DeploymentStateMachine.Recovery.NONE);
        assertThat(ended(id)).isZero();
        run(() -> Panache.withTransaction(() -> deployments.locked(id).invoke(d -> d.lastStep = 30)
                .chain(d -> states.move(d, DeploymentStatus.SUCCEEDED, null, "done"))));
        terminated(id, 3600);
        Deployment d = find(id);
        List<String> steps = new ArrayList<>();
        run(() -> pool.preparedQuery("SELECT coalesce(resumed_from_step, 0) || '+' || steps_gained AS s"
                + " FROM deployment_attempt WHERE deployment_id = $1 ORDER BY attempt").execute(Tuple.of(id)))
                .forEach(row -> steps.add(row.getString("s")));
        assertThat(steps).as("resumed from + steps gained").containsExactly("0+8", "8+8", "16+14");
        assertThat(d.costUsd).as("three pods of about an hour at 1 USD/h").isBetween(new BigDecimal("2.99"),
                new BigDecimal("3.01"));
        assertThat(d.recoveries).isEqualTo(2);
        assertThat(ended(id)).isEqualTo(1);
        assertThat(terminalTransitions(id)).isEqualTo(1);
        List<String> attempts = new ArrayList<>();
        run(() -> pool.preparedQuery("SELECT attempt || ' ' || pod_id || ' ' || end_reason AS a FROM deployment_attempt"
                + " WHERE deployment_id = $1 ORDER BY attempt").execute(Tuple.of(id)))
                .forEach(row -> attempts.add(row.getString("a")));
        assertThat(attempts).containsExactly("1 pod-1 LOST", "2 pod-2 LOST", "3 pod-3 SUCCEEDED");
    }

    @Test
    void aRecoveryWhoseEarlierPodsSpentTheBudgetEndsWithoutANewPod() throws Throwable {
        UUID id = insert(DeploymentStatus.RUNNING, null, "pod-1");
        assertThat(recover(id)).isEqualTo(DeploymentStateMachine.Recovery.RECOVERING);
        terminated(id, 60 * 3600); // 60 USD against a budget of 50
        Deployment d = find(id);
        assertThat(d.status).isEqualTo(DeploymentStatus.FAILED);
        assertThat(d.reason).isEqualTo(FailureReason.FAILED_BUDGET.name());
        assertThat(d.podId).as("no new pod was created").isNull();
        assertThat(d.costUsd).isGreaterThanOrEqualTo(new BigDecimal("60"));
        assertThat(ended(id)).isEqualTo(1);
    }

    /**
     * The reaper (its sweep for deadlines the database judges alone, every 5 s here) on deployments waiting for a
     * pod: fails those past the provisioning deadline plus the request's capacity wait, or (recovered) with earlier
     * pods that spent the budget; leaves one still within its wait, a fresh one, and one with budget left.
     */
    @Test
    void theReaperFailsAWaitingDeploymentOnlyPastItsDeadlineAndCapacityWaitOrBudget() throws Throwable {
        Instant twentyMinutesAgo = Instant.now().minusSeconds(20 * 60);
        UUID pastDeadline = waiting(twentyMinutesAgo, "", BigDecimal.ZERO);
        UUID pastCapacityWait = waiting(Instant.now().minusSeconds(26 * 60), ", \"capacityWaitMinutes\": 10",
                BigDecimal.ZERO);
        UUID budgetSpent = waiting(Instant.now(), "", new BigDecimal("50"));
        UUID withinCapacityWait = waiting(twentyMinutesAgo, ", \"capacityWaitMinutes\": 10", BigDecimal.ZERO);
        UUID fresh = waiting(Instant.now(), "", BigDecimal.ZERO);
        UUID budgetLeft = waiting(Instant.now(), "", new BigDecimal("49.99"));

        Instant until = Instant.now().plusSeconds(30);
        while (!(ended(pastDeadline) == 1 && ended(pastCapacityWait) == 1 && ended(budgetSpent) == 1)) {
            assertThat(Instant.now()).as("the reaper failed the three overdue deployments").isBefore(until);
            Thread.sleep(200);
        }
        assertThat(find(pastDeadline).reason).isEqualTo(FailureReason.FAILED_PROVIDER.name());
        assertThat(find(pastCapacityWait).reason).isEqualTo(FailureReason.FAILED_PROVIDER.name());
        assertThat(find(budgetSpent).reason).isEqualTo(FailureReason.FAILED_BUDGET.name());
        // the sweeps that failed those saw these too
        for (UUID kept : List.of(withinCapacityWait, fresh, budgetLeft)) {
            assertThat(find(kept).status).as("still waiting").isEqualTo(DeploymentStatus.PENDING);
        }
    }

    /**
     * A PENDING deployment waiting for a pod since {@code since}, its earlier pods having cost {@code priorCost};
     * its next provisioning attempt is a day away, so that only the reaper acts on it.
     */
    private UUID waiting(Instant since, String extraLimits, BigDecimal priorCost) throws Throwable {
        Deployment d = deployment(DeploymentStatus.PENDING);
        d.request = SPEC.replace("\"maxCostUsd\": 50}", "\"maxCostUsd\": 50" + extraLimits + "}");
        d.createdAt = since;
        d.updatedAt = since;
        d.priorCostUsd = priorCost;
        d.nextAttemptAt = Instant.now().plusSeconds(86_400);
        run(() -> Panache.withTransaction(() -> deployments.persist(d)));
        return d.id;
    }

    /** The pod of the locked deployment was lost; answers whether it is recovered. */
    private DeploymentStateMachine.Recovery recover(UUID id) throws Throwable {
        return run(() -> Panache.withTransaction(() -> deployments.locked(id).chain(d -> states.recover(d,
                "The pod vanished."))));
    }

    /** Its pod is confirmed terminated, {@code seconds} after it was created. */
    private void terminated(UUID id, long seconds) throws Throwable {
        run(() -> Panache.withTransaction(() -> deployments.locked(id).invoke(d -> d.podCreatedAt = Instant.now()
                .minusSeconds(seconds)).chain(d -> states.podTerminated(d, Instant.now()))));
    }

    @Test
    void cancelDuringTheCreateCallTerminatesThePodAndAnnouncesTheEndOnce() throws Throwable {
        UUID id = insert(DeploymentStatus.PROVISIONING, lease.holder(), null);
        run(() -> service.cancel("alice", id));
        // The create call is still in flight: no end is announced while a pod may still come.
        assertThat(ended(id)).isZero();

        PodRecorded outcome = run(() -> Panache.withTransaction(() -> deployments.locked(id).chain(d ->
                states.podCreated(d, "pod-late", "NVIDIA L40S", 1, "SECURE", new BigDecimal("1.20"),
                        Instant.now().minusSeconds(30), "Pod pod-late created"))));
        assertThat(outcome).isEqualTo(PodRecorded.ENDED_MEANWHILE);
        Deployment d = find(id);
        assertThat(d.status).isEqualTo(DeploymentStatus.CANCELLED);
        assertThat(d.podId).as("the late pod is recorded, so it is terminated and billed").isEqualTo("pod-late");

        run(() -> Panache.withTransaction(() -> deployments.locked(id).chain(x -> states.podTerminated(x,
                Instant.now()))));
        run(() -> Panache.withTransaction(() -> deployments.locked(id).chain(states::releaseClaim)));
        assertThat(ended(id)).isEqualTo(1);
        assertThat(find(id).costUsd).isPositive();
        assertThat(terminalTransitions(id)).isEqualTo(1);
    }

    @Test
    void anEndWithoutPodIsAnnouncedWhenTheClaimIsReleased() throws Throwable {
        UUID id = insert(DeploymentStatus.PROVISIONING, lease.holder(), null);
        assertThat(run(() -> failures.fail(id, FailureReason.FAILED_PROVIDER, "refused"))).isTrue();
        assertThat(ended(id)).isZero();
        run(() -> Panache.withTransaction(() -> deployments.locked(id).chain(states::releaseClaim)));
        run(() -> Panache.withTransaction(() -> deployments.locked(id).chain(states::releaseClaim)));
        assertThat(ended(id)).isEqualTo(1);
        assertThat(find(id).costUsd).isZero();
    }

    @Test
    void concurrentEndsRecordExactlyOneTerminalMove() throws Throwable {
        ExecutorService pool3 = Executors.newFixedThreadPool(3);
        for (int round = 0; round < 5; round++) {
            UUID id = insert(DeploymentStatus.RUNNING, null, null);
            List<Callable<Boolean>> racers = List.of(
                    () -> run(() -> failures.fail(id, FailureReason.FAILED_BUDGET, "budget")),
                    () -> run(() -> service.cancel("alice", id).map(x -> true)
                            .onFailure(ProblemException.class).recoverWithItem(false)),
                    () -> run(() -> Panache.withTransaction(() -> deployments.locked(id).chain(d ->
                            states.move(d, DeploymentStatus.SUCCEEDED, null, "done")))));
            List<Boolean> moved = new ArrayList<>();
            for (Future<Boolean> f : pool3.invokeAll(racers)) {
                moved.add(f.get());
            }
            assertThat(moved.stream().filter(Boolean::booleanValue).count()).as("round " + round).isEqualTo(1);
            assertThat(terminalTransitions(id)).isEqualTo(1);
            assertThat(ended(id)).isEqualTo(1);
        }
        pool3.shutdown();
    }

    @Test
    void aWatchdogVerdictAfterTheArtifactsWereStoredIsASuccess() throws Throwable {
        UUID id = insert(DeploymentStatus.RUNNING, null, null);
        run(() -> Panache.withTransaction(() -> deployments.locked(id).invoke(d ->
                d.artifactsStoredAt = Instant.now())));
        assertThat(run(() -> failures.fail(id, FailureReason.FAILED_PROVIDER, "RunPod no longer knows the pod")))
                .isTrue();
        Deployment d = find(id);
        assertThat(d.status).isEqualTo(DeploymentStatus.SUCCEEDED);
        assertThat(d.reason).isNull();
        assertThat(d.message).contains("artifacts were stored").contains("RunPod no longer knows the pod");
    }

    @Test
    void aWriterWithAStaleCopyFailsInsteadOfOverwritingAMove() throws Throwable {
        UUID id = insert(DeploymentStatus.RUNNING, null, null);
        Deployment stale = find(id);
        run(() -> failures.fail(id, FailureReason.FAILED_TRAINING, "failed"));
        stale.message = "overwritten";
        assertThatThrownBy(() -> run(() -> Panache.withTransaction(() -> Panache.getSession()
                .chain(s -> s.merge(stale)))))
                .hasStackTraceContaining("OptimisticLockException");
        Deployment now = find(id);
        assertThat(now.status).isEqualTo(DeploymentStatus.FAILED);
        assertThat(now.message).isEqualTo("failed");
    }

    private UUID insert(DeploymentStatus status, String claimedBy, String podId) throws Throwable {
        Deployment d = deployment(status);
        d.claimedBy = claimedBy;
        d.podId = podId;
        if (podId != null) {
            d.podCreatedAt = Instant.now();
            d.costPerHour = BigDecimal.ONE;
        }
        run(() -> Panache.withTransaction(() -> deployments.persist(d)));
        return d.id;
    }

    /** A deployment of alice's in this status, created now, not yet stored. */
    private static Deployment deployment(DeploymentStatus status) {
        Deployment d = new Deployment();
        d.id = UUID.randomUUID();
        d.userId = "alice";
        d.datasetId = UUID.randomUUID();
        d.baseModel = "m";
        d.method = "SFT";
        d.request = SPEC;
        d.status = status;
        d.createdAt = Instant.now();
        d.updatedAt = d.createdAt;
        return d;
    }

    private Deployment find(UUID id) throws Throwable {
        return run(() -> Panache.withSession(() -> deployments.findById(id)));
    }

    private long ended(UUID id) throws Throwable {
        return run(() -> pool.preparedQuery("SELECT count(*) AS n FROM outbox_event WHERE aggregate_id = $1"
                        + " AND type = 'DeploymentEnded'").execute(Tuple.of(id.toString())))
                .iterator().next().getLong("n");
    }

    private long terminalTransitions(UUID id) throws Throwable {
        return run(() -> pool.preparedQuery("SELECT count(*) AS n FROM deployment_transition WHERE deployment_id = $1"
                        + " AND status IN ('SUCCEEDED', 'FAILED', 'CANCELLED')").execute(Tuple.of(id)))
                .iterator().next().getLong("n");
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
