package dev.trainpod.deploy.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.common.event.FailureReason;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import dev.trainpod.deploy.client.RunPodClient;
import dev.trainpod.deploy.client.RunPodModels;
import dev.trainpod.deploy.config.DeployConfig;
import dev.trainpod.deploy.rest.DeploymentRequest;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Fails and terminates live deployments that broke a limit: the provisioning deadline (also for deployments
 * stuck without a pod, e.g. after a crash), the maximum runtime, the budget (time up × the provider's $/h), idle
 * GPUs, and pods that stopped or vanished at the provider. Safe with several replicas: the verdict is recorded
 * under a row lock by {@link Failures}, so only one replica fails a deployment and terminates its pod.
 */
@ApplicationScoped
public class ReaperJob {

    private static final Logger LOG = Logger.getLogger(ReaperJob.class);
    private static final int BATCH = 200;
    private static final List<DeploymentStatus> LIVE = List.of(DeploymentStatus.PENDING,
            DeploymentStatus.PROVISIONING, DeploymentStatus.STARTING, DeploymentStatus.RUNNING);

    private final RunPodClient runPod;
    private final PodCredentials credentials;
    private final Failures failures;
    private final DeployConfig config;
    private final ReaperRules rules;
    private final ObjectMapper json;

    public ReaperJob(RunPodClient runPod, PodCredentials credentials, Failures failures, DeployConfig config,
                     ObjectMapper json) {
        this.runPod = runPod;
        this.credentials = credentials;
        this.failures = failures;
        this.config = config;
        this.rules = new ReaperRules(config);
        this.json = json;
    }

    @Scheduled(every = "${trainpod.deploy.reaper-interval:5s}", delayed = "${trainpod.deploy.reaper-interval:5s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> reap() {
        return Panache.withSession(() -> Deployment.<Deployment>find("status in ?1 order by createdAt", LIVE)
                        .page(0, BATCH).list())
                .onItem().transformToMulti(list -> Multi.createFrom().iterable(list))
                .onItem().transformToUniAndConcatenate(d -> judge(d).onFailure().invoke(e -> LOG.warnf(
                        "reaping deployment %s failed: %s", d.id, e.getMessage())).onFailure().recoverWithNull())
                .collect().last().replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("reaper cycle failed: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private Uni<Void> judge(Deployment d) {
        DeploymentRequest r = request(d);
        Instant now = Instant.now();
        if (d.podId == null) {
            Instant deadline = d.createdAt.plus(config.provisioningDeadline())
                    .plusSeconds(60L * r.limits().capacityWait());
            return now.isBefore(deadline) ? Uni.createFrom().voidItem()
                    : failures.fail(d.id, FailureReason.FAILED_PROVIDER, "No pod was running within the "
                            + "provisioning deadline (" + config.provisioningDeadline().toMinutes()
                            + " min); nothing is billing.").replaceWithVoid();
        }
        return Panache.withSession(() -> credentials.forDeployment(d)).chain(key -> key.isEmpty()
                ? Uni.createFrom().voidItem()
                : runPod.getPod(key.get(), d.podId).chain(pod -> apply(d, r, pod, now)));
    }

    private Uni<Void> apply(Deployment d, DeploymentRequest r, Optional<RunPodModels.Pod> pod, Instant now) {
        ReaperRules.Facts facts = new ReaperRules.Facts(d.podCreatedAt, d.costPerHour,
                r.limits().maxRuntimeMinutes(), r.limits().maxCostUsd(), r.limits().idleMinutes(), d.idleSince,
                d.podMissingSince);
        ReaperRules.Verdict v = rules.judge(facts, pod, now);
        if (v.fails()) {
            return failures.fail(d.id, v.reason(), v.message()).replaceWithVoid();
        }
        if (Objects.equals(v.idleSince(), d.idleSince) && Objects.equals(v.podMissingSince(), d.podMissingSince)) {
            return Uni.createFrom().voidItem();
        }
        return Panache.withTransaction(() -> Deployment.update(
                "idleSince = ?1, podMissingSince = ?2 where id = ?3", v.idleSince(), v.podMissingSince(), d.id))
                .replaceWithVoid();
    }

    private DeploymentRequest request(Deployment d) {
        try {
            return json.readValue(d.request, DeploymentRequest.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored request of " + d.id + " is unreadable", e);
        }
    }
}
