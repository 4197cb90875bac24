package dev.trainpod.deploy.service;

import dev.trainpod.common.job.JobLease;
import dev.trainpod.common.job.Sweep;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import dev.trainpod.deploy.client.RunPodClient;
import dev.trainpod.deploy.client.RunPodModels;
import dev.trainpod.deploy.config.DeployConfig;
import dev.trainpod.deploy.repository.DeploymentRepository;
import dev.trainpod.deploy.vault.Credential;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Holds the provider's pods against the deployments, for every stored RunPod credential (the users' current keys
 * and the retired keys kept for their pods). Only pods named for this installation ({@link PodNames}) are touched:
 * one with no deployment is terminated; a deployment still PROVISIONING whose pod exists but was never recorded
 * (deploy-service stopped between the create call and its commit) adopts it, and one that ended meanwhile has it
 * recorded and terminated (so its cost is kept); a second pod of a deployment that
 * already has one is terminated. A pod is acted on with the credential of the account it was listed from, and only
 * when that is the credential its deployment is bound to, so a pod another credential's deployment owns is never
 * touched. Pods named as before installation ids are handled only when their deployment is ours. One replica at a
 * time runs it, under a database lease.
 */
@ApplicationScoped
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);

    private final RunPodClient runPod;
    private final PodCredentials credentials;
    private final PodNames names;
    private final Terminator terminator;
    private final PodRecorder recorder;
    private final DeploymentRepository deployments;
    private final JobLease lease;
    private final DeployConfig config;
    private final Duration leaseTtl;
    private final DeploymentMetrics metrics;
    /** The pass in progress: pods listed (by id) and whether a live deployment holds each; for the leak gauge. */
    private final Map<String, Boolean> pass = new ConcurrentHashMap<>();

    public Reconciler(RunPodClient runPod, PodCredentials credentials, PodNames names, Terminator terminator,
                      PodRecorder recorder, DeploymentRepository deployments, JobLease lease,
                      DeployConfig config, DeploymentMetrics metrics) {
        this.metrics = metrics;
        this.runPod = runPod;
        this.credentials = credentials;
        this.names = names;
        this.terminator = terminator;
        this.recorder = recorder;
        this.deployments = deployments;
        this.lease = lease;
        this.config = config;
        this.leaseTtl = config.reconcileInterval().multipliedBy(2);
    }

    /** A listed pod with what its name says. */
    private record Listed(RunPodModels.Pod pod, PodNames.Parsed name) {
    }

    /** The deployments the listed pods are named for, and the credential each is bound to. */
    private record Known(Map<UUID, Deployment> deployments, Map<UUID, UUID> bindings) {
    }

    @Scheduled(every = "${trainpod.deploy.reconcile-interval:30s}", delayed = "${trainpod.deploy.reconcile-interval:30s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> reconcile() {
        return Sweep.guarded("reconciliation", () -> lease.take("reconciler", leaseTtl)
                .chain(held -> held ? reconcileAll() : Uni.createFrom().voidItem().invoke(metrics::notReconciling)));
    }

    private Uni<Void> reconcileAll() {
        pass.clear();
        return Panache.withSession(credentials::all)
                .onFailure().invoke(e -> metrics.reconcileFailed("vault"))
                .onItem().transformToMulti(all -> Multi.createFrom().iterable(all))
                .onItem().transformToUniAndConcatenate(c -> reconcileAccount(c)
                        .onFailure().invoke(e -> LOG.warnf("reconciling the pods of %s failed: %s", c,
                                e.getMessage()))
                        .onFailure().recoverWithNull())
                .collect().last()
                .chain(() -> Panache.withSession(() -> deployments.podsNotTerminated()
                        .invoke(counts -> metrics.reconciled(pass.size(),
                                (int) pass.values().stream().filter(held -> !held).count(), counts[0], counts[1]))))
                .replaceWithVoid();
    }

    private Uni<Void> reconcileAccount(Credential credential) {
        return runPod.listPods(credential.apiKey()).onFailure().invoke(e -> metrics.reconcileFailed("list")).chain(pods -> reconcilePods(credential, pods.stream()
                .filter(p -> !"TERMINATED".equals(p.status()))
                .flatMap(p -> names.ours(p.name()).map(n -> new Listed(p, n)).stream())
                .toList()));
    }

    private Uni<Void> reconcilePods(Credential credential, List<Listed> pods) {
        if (pods.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<UUID> ids = pods.stream().map(l -> l.name().deploymentId()).distinct().toList();
        return Panache.withSession(() -> deployments.byIds(ids)
                        .chain(list -> credentials.bindings(ids).map(bindings -> new Known(list.stream()
                                .collect(Collectors.toMap(d -> d.id, Function.identity())), bindings))))
                .onItem().transformToMulti(known -> Multi.createFrom().iterable(pods)
                        .onItem().transformToUniAndConcatenate(l -> reconcilePod(credential, l,
                                known.deployments().get(l.name().deploymentId()),
                                known.bindings().get(l.name().deploymentId()))
                                .onFailure().recoverWithNull()))
                .collect().last().replaceWithVoid();
    }

    private Uni<Void> reconcilePod(Credential credential, Listed listed, Deployment d, UUID boundCredential) {
        RunPodModels.Pod pod = listed.pod();
        if (d != null || !listed.name().legacy()) { // a legacy-named pod of no deployment may be another's
            boolean held = d != null && (pod.id().equals(d.podId) && d.podTerminatedAt == null
                    || d.podId == null && d.status == DeploymentStatus.PROVISIONING);
            pass.merge(pod.id(), held, Boolean::logicalOr);
        }
        String apiKey = credential.apiKey();
        boolean settled = pod.createdAt() == null
                || pod.createdAt().plus(config.adoptAfter()).isBefore(Instant.now());
        if (d == null) {
            if (listed.name().legacy()) {
                return Uni.createFrom().voidItem(); // named before installation ids: maybe another installation's
            }
            return settled ? terminateOrphan(apiKey, pod, "no deployment has this id") : Uni.createFrom().voidItem();
        }
        boolean sameCredential = boundCredential != null ? boundCredential.equals(credential.id())
                : d.userId.equals(credential.userId());
        if (!sameCredential) {
            return Uni.createFrom().voidItem(); // its deployment acts with another credential, which lists it too
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
}
