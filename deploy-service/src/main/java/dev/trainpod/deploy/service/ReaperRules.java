package dev.trainpod.deploy.service;

import dev.trainpod.common.event.FailureReason;
import dev.trainpod.deploy.client.RunPodModels;
import dev.trainpod.deploy.config.DeployConfig;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The reaper's rules for a deployment whose pod exists: what the provider reports about the pod, held against the
 * deployment's limits, gives either a reason to fail it now or the idle and missing-pod clocks to keep.
 */
final class ReaperRules {

    private final DeployConfig config;

    ReaperRules(DeployConfig config) {
        this.config = config;
    }

    /**
     * What the reaper knows of a deployment with a pod; {@code priorSeconds} and {@code priorCostUsd} are what its
     * earlier pods billed (a recovered deployment), which the runtime and budget limits count too.
     */
    record Facts(Instant podCreatedAt, BigDecimal costPerHour, int maxRuntimeMinutes, BigDecimal maxCostUsd,
                 Integer idleMinutes, Instant idleSince, Instant podMissingSince, long priorSeconds,
                 BigDecimal priorCostUsd) {
    }

    /**
     * A verdict: a reason to fail now (or null), whether the pod was lost (vanished or stopped at the provider
     * without the job's report: a recovery may replace it), and the clocks to store when the deployment goes on.
     */
    record Verdict(FailureReason reason, String message, boolean lost, Instant idleSince, Instant podMissingSince) {

        boolean fails() {
            return reason != null;
        }
    }

    Verdict judge(Facts f, Optional<RunPodModels.Pod> observed, Instant now) {
        if (observed.isEmpty()) {
            Instant missingSince = f.podMissingSince() == null ? now : f.podMissingSince();
            if (!now.isBefore(missingSince.plus(config.missingPodGrace()))) {
                return lost("RunPod no longer knows the pod (for "
                        + minutes(Duration.between(missingSince, now)) + "); it ended without reporting.");
            }
            return new Verdict(null, null, false, f.idleSince(), missingSince);
        }
        RunPodModels.Pod pod = observed.get();
        Duration up = Duration.between(f.podCreatedAt(), now);
        if ("EXITED".equals(pod.status()) || "ERROR".equals(pod.status())) {
            return lost("The pod is " + pod.status() + " at RunPod: its container "
                    + "stopped without reporting; it was terminated, since a stopped pod still bills its disk.");
        }
        BigDecimal rate = pod.cost() != null && pod.cost().signum() > 0 ? pod.cost() : f.costPerHour();
        Verdict limits = limits(f, rate, now);
        if (limits.fails()) {
            return limits;
        }
        if (!"RUNNING".equals(pod.status()) && up.compareTo(config.provisioningDeadline()) >= 0) {
            return fail(FailureReason.FAILED_PROVIDER, "The pod was still " + pod.status() + " after "
                    + minutes(config.provisioningDeadline()) + " (the provisioning deadline); it was terminated.");
        }
        Instant idleSince = idleSince(f, pod, now);
        if (idleSince != null && !now.isBefore(idleSince.plus(Duration.ofMinutes(f.idleMinutes())))) {
            return fail(FailureReason.FAILED_GPU_IDLE, "Every GPU stayed under " + config.idle().utilThreshold()
                    + "% utilisation for " + f.idleMinutes() + " min; the pod was terminated.");
        }
        return new Verdict(null, null, false, idleSince, null);
    }

    /**
     * The rules that need nothing from the provider: the maximum runtime and the budget at {@code rate} USD/h.
     * They also apply when RunPod cannot be asked about the pod.
     */
    Verdict limits(Facts f, BigDecimal rate, Instant now) {
        Duration up = Duration.between(f.podCreatedAt(), now).plusSeconds(f.priorSeconds());
        if (up.compareTo(Duration.ofMinutes(f.maxRuntimeMinutes())) >= 0) {
            return fail(FailureReason.FAILED_MAX_RUNTIME, "The maximum runtime of " + f.maxRuntimeMinutes()
                    + " min was reached; the pod was terminated.");
        }
        Duration current = Duration.between(f.podCreatedAt(), now);
        BigDecimal spent = Billing.cost(current, rate).add(f.priorCostUsd());
        if (f.maxCostUsd() != null && spent.compareTo(f.maxCostUsd()) >= 0) {
            return fail(FailureReason.FAILED_BUDGET, "The cost so far, " + spent + " USD (" + current.toSeconds()
                    + " s at " + rate + " USD/h" + (f.priorCostUsd().signum() > 0 ? " and " + f.priorCostUsd()
                    + " USD of the earlier pods" : "") + "), reached the limit of " + f.maxCostUsd()
                    + " USD; the pod was terminated.");
        }
        return new Verdict(null, null, false, f.idleSince(), f.podMissingSince());
    }

    /**
     * Since when the pod's GPUs have been idle, or null: the rule applies only when it is enabled, the request
     * set {@code idleMinutes}, and the provider reports a runtime with GPUs (it reports none while a pod starts).
     */
    private Instant idleSince(Facts f, RunPodModels.Pod pod, Instant now) {
        RunPodModels.Runtime runtime = pod.runtime();
        if (!config.idle().enabled() || f.idleMinutes() == null || !"RUNNING".equals(pod.status())
                || runtime == null || runtime.gpus() == null || runtime.gpus().isEmpty()) {
            return null;
        }
        double threshold = config.idle().utilThreshold();
        boolean busy = runtime.gpus().stream().anyMatch(g -> g.util() != null && g.util() >= threshold);
        if (busy) {
            return null;
        }
        return f.idleSince() == null ? now : f.idleSince();
    }

    private static Verdict fail(FailureReason reason, String message) {
        return new Verdict(reason, message, false, null, null);
    }

    private static Verdict lost(String message) {
        return new Verdict(FailureReason.FAILED_PROVIDER, message, true, null, null);
    }

    private static String minutes(Duration d) {
        return d.toSeconds() < 120 ? d.toSeconds() + " s" : d.toMinutes() + " min";
    }
}
