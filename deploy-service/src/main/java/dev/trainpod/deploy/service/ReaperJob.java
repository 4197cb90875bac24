package dev.trainpod.deploy.service;

import dev.trainpod.common.event.FailureReason;
import dev.trainpod.common.job.Sweep;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import dev.trainpod.deploy.JobSpec;
import dev.trainpod.deploy.client.RunPodClient;
import dev.trainpod.deploy.client.RunPodModels;
import dev.trainpod.deploy.config.DeployConfig;
import dev.trainpod.deploy.repository.DeploymentRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Fails and terminates live deployments that broke a limit: the provisioning deadline (also for deployments stuck
 * without a pod, e.g. after a crash), the maximum runtime, the budget (time up × the provider's $/h), idle GPUs,
 * and pods that stopped or vanished at the provider (lost pods: {@link Recoveries} replaces them while the
 * deployment has recoveries left); and moves STARTING deployments whose pod runs to RUNNING. The runtime and the
 * budget count the earlier pods of a recovered deployment too.
 *
 * <p>Every cycle covers every live deployment, however many there are: first the database selects all that broke a
 * rule it can judge alone (deadline, runtime, budget at the recorded price); then the pods of the {@value #BATCH}
 * deployments judged longest ago are read from RunPod, so each is judged in turn. Safe with several replicas: the
 * verdict is recorded under a row lock by {@link Failures}.
 */
@ApplicationScoped
public class ReaperJob {

    private static final int BATCH = 200;

    private final RunPodClient runPod;
    private final PodCredentials credentials;
    private final Failures failures;
    private final DeploymentRepository deployments;
    private final DeploymentStateMachine states;
    private final DeployConfig config;
    private final ReaperRules rules;
    private final Recoveries recoveries;

    public ReaperJob(RunPodClient runPod, PodCredentials credentials, Failures failures, DeploymentRepository deployments,
                     DeploymentStateMachine states, DeployConfig config, Recoveries recoveries) {
        this.recoveries = recoveries;
        this.runPod = runPod;
        this.credentials = credentials;
        this.failures = failures;
        this.deployments = deployments;
        this.states = states;
        this.config = config;
        this.rules = new ReaperRules(config);
    }

    @Scheduled(every = "${trainpod.deploy.reaper-interval:5s}", delayed = "${trainpod.deploy.reaper-interval:5s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> reap() {
        return Sweep.each("reaper (past a deadline)", deployments.overdue(config.provisioningDeadline(), BATCH), this::judge)
                .chain(() -> Sweep.each("reaper", deployments.nextToReap(BATCH), this::judge));
    }

    private Uni<Void> judge(UUID id) {
        return Panache.withSession(() -> deployments.findById(id))
                .chain(d -> d == null || d.status.terminal() ? Uni.createFrom().voidItem() : judge(d));
    }

    private Uni<Void> judge(Deployment d) {
        JobSpec spec = d.spec();
        Instant now = Instant.now();
        if (d.podId == null && spec.limits().maxCostUsd() != null
                && d.priorCostUsd.compareTo(spec.limits().maxCostUsd()) >= 0) {
            return failures.fail(d.id, FailureReason.FAILED_BUDGET, "The pods so far cost " + d.priorCostUsd
                    + " USD, the limit of " + spec.limits().maxCostUsd() + " USD; no new pod is created.")
                    .replaceWithVoid();
        }
        if (d.podId == null) {
            Instant deadline = d.provisioningBase().plus(config.provisioningDeadline())
                    .plusSeconds(60L * spec.limits().capacityWait());
            return now.isBefore(deadline) ? Uni.createFrom().voidItem()
                    : failures.fail(d.id, FailureReason.FAILED_PROVIDER, "No pod was running within the "
                            + "provisioning deadline (" + config.provisioningDeadline().toMinutes()
                            + " min); nothing is billing.").replaceWithVoid();
        }
        ReaperRules.Facts facts = new ReaperRules.Facts(d.podCreatedAt, d.costPerHour,
                spec.limits().maxRuntimeMinutes(), spec.limits().maxCostUsd(), spec.limits().idleMinutes(),
                d.idleSince, d.podMissingSince, d.priorBilledSeconds, d.priorCostUsd);
        if (d.status == DeploymentStatus.RECOVERING) {
            // its pod is lost and being terminated: only the limits still apply
            ReaperRules.Verdict v = rules.limits(facts, d.costPerHour, now);
            return v.fails() ? failures.fail(d.id, v.reason(), v.message()).replaceWithVoid()
                    : Uni.createFrom().voidItem();
        }
        return Panache.withSession(() -> credentials.forDeployment(d))
                .chain(key -> key.isEmpty() ? Uni.createFrom().<Void>failure(
                                new IllegalStateException("no RunPod key to read the pod with"))
                        : runPod.getPod(key.get(), d.podId).chain(pod -> apply(d, facts, pod, now)))
                .onFailure().recoverWithUni(e -> {
                    // RunPod cannot be asked: the limits that need nothing from it still apply.
                    ReaperRules.Verdict v = rules.limits(facts, d.costPerHour, now);
                    return v.fails() ? failures.fail(d.id, v.reason(), v.message()).replaceWithVoid()
                            : Uni.createFrom().failure(e);
                });
    }

    private Uni<Void> apply(Deployment d, ReaperRules.Facts facts, Optional<RunPodModels.Pod> pod, Instant now) {
        ReaperRules.Verdict v = rules.judge(facts, pod, now);
        if (v.lost()) {
            return recoveries.lost(d.id, v.reason(), v.message());
        }
        if (v.fails()) {
            return failures.fail(d.id, v.reason(), v.message()).replaceWithVoid();
        }
        boolean running = d.status == DeploymentStatus.STARTING && pod.isPresent()
                && "RUNNING".equals(pod.get().status());
        if (!running && Objects.equals(v.idleSince(), d.idleSince)
                && Objects.equals(v.podMissingSince(), d.podMissingSince)) {
            return Uni.createFrom().voidItem();
        }
        return Panache.withTransaction(() -> deployments.locked(d.id).chain(fresh -> {
            if (fresh.status.terminal()) {
                return Uni.createFrom().voidItem();
            }
            fresh.idleSince = v.idleSince();
            fresh.podMissingSince = v.podMissingSince();
            return running ? states.move(fresh, DeploymentStatus.RUNNING, null, "Pod is running.").replaceWithVoid()
                    : Uni.createFrom().voidItem();
        }));
    }
}
