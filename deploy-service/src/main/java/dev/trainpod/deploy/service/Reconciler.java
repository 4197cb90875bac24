package dev.trainpod.deploy.service;

import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import dev.trainpod.deploy.client.RunPodClient;
import dev.trainpod.deploy.client.RunPodModels;
import dev.trainpod.deploy.config.DeployConfig;
import dev.trainpod.deploy.repository.DeploymentRepository;
import dev.trainpod.deploy.vault.SecretKind;
import dev.trainpod.deploy.vault.SecretVault;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Holds the provider's pods against the deployments, per stored RunPod key: a pod named {@code trainpod-<id>}
 * with no live deployment of that user is terminated; a deployment still PROVISIONING whose pod exists but was
 * never recorded (deploy-service stopped between the create call and its commit) adopts it; a second pod of a
 * deployment that already has one is terminated. One replica at a time runs it, under a database lease.
 */
@ApplicationScoped
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);
    private static final String PREFIX = "trainpod-";
    private static final List<DeploymentStatus> ENDED = List.of(DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED,
            DeploymentStatus.CANCELLED);

    private final RunPodClient runPod;
    private final SecretVault vault;
    private final Terminator terminator;
    private final PodRecorder recorder;
    private final DeploymentRepository deployments;
    private final JobLease lease;
    private final DeployConfig config;
    private final Duration leaseTtl;
    private final DeploymentMetrics metrics;
    /** The pass in progress: pods listed (by id) and whether a live deployment holds each; for the leak gauge. */
    private final Map<String, Boolean> pass = new ConcurrentHashMap<>();

    public Reconciler(RunPodClient runPod, SecretVault vault, Terminator terminator, PodRecorder recorder,
                      DeploymentRepository deployments, JobLease lease, DeployConfig config,
                      DeploymentMetrics metrics) {
        this.metrics = metrics;
        this.runPod = runPod;
        this.vault = vault;
        this.terminator = terminator;
        this.recorder = recorder;
        this.deployments = deployments;
        this.lease = lease;
        this.config = config;
        this.leaseTtl = config.reconcileInterval().multipliedBy(2);
    }

    @Scheduled(every = "${trainpod.deploy.reconcile-interval:30s}", delayed = "${trainpod.deploy.reconcile-interval:30s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> reconcile() {
        return lease.take("reconciler", leaseTtl)
                .chain(held -> held ? reconcileAll() : Uni.createFrom().voidItem().invoke(metrics::notReconciling))
                .onFailure().invoke(e -> LOG.warnf("reconciliation failed: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private Uni<Void> reconcileAll() {
        pass.clear();
        return Panache.withSession(() -> vault.users(SecretKind.RUNPOD))
                .onItem().transformToMulti(users -> Multi.createFrom().iterable(users))
                .onItem().transformToUniAndConcatenate(user -> reconcileUser(user)
                        .onFailure().invoke(e -> LOG.warnf("reconciling the pods of one user failed: %s",
                                e.getMessage()))
                        .onFailure().recoverWithNull())
                .collect().last()
                .chain(() -> Panache.withSession(() -> deployments.count(
                        "podId is not null and podTerminatedAt is null")
                        .chain(live -> deployments.count("podId is not null and podTerminatedAt is null"
                                + " and status in ?1", ENDED)
                                .invoke(ended -> metrics.reconciled(pass.size(),
                                        (int) pass.values().stream().filter(held -> !held).count(), live, ended)))))
                .replaceWithVoid();
    }

    private Uni<Void> reconcileUser(String userId) {
        return Panache.withSession(() -> vault.open(userId, SecretKind.RUNPOD))
                .onFailure().invoke(e -> metrics.reconcileFailed("vault"))
                .chain(key -> key.isEmpty()
                        ? Uni.createFrom().voidItem()
                        : runPod.listPods(key.get()).onFailure().invoke(e -> metrics.reconcileFailed("list"))
                                .chain(pods -> reconcilePods(userId, key.get(), pods.stream()
                                        .filter(p -> p.name() != null && p.name().startsWith(PREFIX))
                                        .filter(p -> !"TERMINATED".equals(p.status()))
                                        .toList())));
    }

    private Uni<Void> reconcilePods(String userId, String apiKey, List<RunPodModels.Pod> pods) {
        if (pods.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<UUID> ids = pods.stream().map(Reconciler::deploymentId).flatMap(Optional::stream).toList();
        return Panache.withSession(() -> deployments.byIds(ids))
                .map(list -> list.stream().collect(Collectors.toMap(d -> d.id, Function.identity())))
                .onItem().transformToMulti(byId -> Multi.createFrom().iterable(pods)
                        .onItem().transformToUniAndConcatenate(pod -> reconcilePod(userId, apiKey, pod,
                                deploymentId(pod).map(byId::get).orElse(null))
                                .onFailure().recoverWithNull()))
                .collect().last().replaceWithVoid();
    }

    private Uni<Void> reconcilePod(String userId, String apiKey, RunPodModels.Pod pod, Deployment d) {
        boolean held = d != null && (pod.id().equals(d.podId) && d.podTerminatedAt == null
                || d.podId == null && d.status == DeploymentStatus.PROVISIONING);
        pass.merge(pod.id(), held, Boolean::logicalOr);
        boolean settled = pod.createdAt() == null
                || pod.createdAt().plus(config.adoptAfter()).isBefore(Instant.now());
        if (d == null) {
            return settled ? terminateOrphan(apiKey, pod, "no deployment has this id") : Uni.createFrom().voidItem();
        }
        if (!d.userId.equals(userId)) {
            return Uni.createFrom().voidItem(); // another account's name clash: never touch what is not ours
        }
        if (pod.id().equals(d.podId)) {
            boolean terminatedButBack = d.podTerminatedAt != null;
            boolean ended = d.status.terminal();
            if (terminatedButBack) {
                return terminateOrphan(apiKey, pod, "its termination was recorded but the pod is still there");
            }
            return ended ? terminator.terminate(d.id) : Uni.createFrom().voidItem();
        }
        if (!settled) {
            return Uni.createFrom().voidItem();
        }
        if (d.podId == null && (d.status == DeploymentStatus.PROVISIONING || d.status.terminal())) {
            // a pod whose create answer was lost: adopted, or recorded and terminated if its deployment ended
            return recorder.adopt(d.id, pod, apiKey);
        }
        return terminateOrphan(apiKey, pod, d.podId == null
                ? "its deployment is " + d.status + " and never recorded it"
                : "its deployment runs on pod " + d.podId);
    }

    private Uni<Void> terminateOrphan(String apiKey, RunPodModels.Pod pod, String why) {
        LOG.warnf("terminating pod %s (%s): %s", pod.id(), pod.name(), why);
        return runPod.terminatePod(apiKey, pod.id()).invoke(metrics::orphanTerminated);
    }

    private static Optional<UUID> deploymentId(RunPodModels.Pod pod) {
        try {
            return Optional.of(UUID.fromString(pod.name().substring(PREFIX.length())));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
