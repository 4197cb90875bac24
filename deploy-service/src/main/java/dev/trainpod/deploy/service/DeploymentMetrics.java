package dev.trainpod.deploy.service;

import dev.trainpod.common.event.FailureReason;
import dev.trainpod.deploy.Deployment;
import dev.trainpod.deploy.DeploymentStatus;
import dev.trainpod.deploy.JobSpec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

/**
 * The business metrics of deployments, in Prometheus format at {@code /q/metrics}. Labels are low-cardinality
 * only (status, a reason code, an outcome), never a user or deployment id:
 * <ul>
 * <li>{@code trainpod_deployments_ended_total{status,reason}}: deployments announced ended (once each, when
 * {@code DeploymentEnded} is written);</li>
 * <li>{@code trainpod_deployment_billed_dollars_total{status}}: what ended deployments cost at the provider;
 * {@code trainpod_deployments_over_budget_total} and {@code trainpod_deployment_budget_overshoot_dollars_total}:
 * those that cost more than their {@code maxCostUsd}, and by how much;</li>
 * <li>{@code trainpod_deployment_time_to_pod_seconds}, {@code ..._time_to_running_seconds}: from the request to
 * the pod created, and to the pod running (training starts);</li>
 * <li>{@code trainpod_deployment_end_to_termination_seconds{status}}: from a deployment's end to its pod
 * confirmed gone (the time it billed for nothing);</li>
 * <li>the reconciler's view of the provider: pods live there, pods no live deployment holds (the leak gauge),
 * deployments live in the database with a pod, ended ones whose pod still bills, orphans terminated, accounts
 * it could not list or whose key it could not open. Only the replica holding the reconciler's lease reports
 * them; the others read 0, so dashboards and alerts take the maximum over replicas.</li>
 * </ul>
 * Histogram buckets are chosen around the alerts' thresholds (10 s for termination, 5 min for start).
 * Created at start ({@link Startup}), so that its series exist before the first event.
 */
@Startup
@ApplicationScoped
public class DeploymentMetrics {

    private final MeterRegistry registry;
    private final Timer timeToPod;
    private final Timer timeToRunning;
    private final Counter orphansTerminated;
    private final Counter overshootDollars;
    private final Counter overBudget;
    private volatile double providerPods;
    private volatile double leakedPods;
    private volatile double livePods;
    private volatile double endedBilling;
    private volatile double lastPass;

    public DeploymentMetrics(MeterRegistry registry) {
        this.registry = registry;
        timeToPod = Timer.builder("trainpod.deployment.time.to.pod")
                .description("From the deployment's request to its pod created at the provider")
                .serviceLevelObjectives(seconds(1), seconds(2), seconds(5), seconds(10), seconds(30), seconds(60),
                        seconds(120), seconds(300), seconds(600), seconds(1800))
                .register(registry);
        timeToRunning = Timer.builder("trainpod.deployment.time.to.running")
                .description("From the deployment's request to its pod running (training starts)")
                .serviceLevelObjectives(seconds(5), seconds(10), seconds(30), seconds(60), seconds(120),
                        seconds(180), seconds(300), seconds(600), seconds(1200), seconds(3600))
                .register(registry);
        for (DeploymentStatus s : DeploymentStatus.values()) {
            if (s.terminal()) {
                endToTermination(s.name()); // registered up front so dashboards see the series before an incident
                billed(s.name());
            }
        }
        overshootDollars = Counter.builder("trainpod.deployment.budget.overshoot.dollars")
                .description("Dollars billed beyond the deployments' maxCostUsd").register(registry);
        overBudget = Counter.builder("trainpod.deployments.over.budget")
                .description("Deployments that ended having cost more than their maxCostUsd").register(registry);
        orphansTerminated = Counter.builder("trainpod.reconciler.orphans.terminated")
                .description("Pods at the provider that no deployment held, terminated by the reconciler")
                .register(registry);
        Counter.builder("trainpod.reconciler.account.failures").tag("step", "list")
                .description("Accounts whose pods the reconciler could not list, or whose key it could not open")
                .register(registry);
        Counter.builder("trainpod.reconciler.account.failures").tag("step", "vault")
                .description("Accounts whose pods the reconciler could not list, or whose key it could not open")
                .register(registry);
        Gauge.builder("trainpod.reconciler.provider.pods", this, m -> m.providerPods)
                .description("Trainpod pods live at the provider, as the reconciler's last pass listed them")
                .register(registry);
        Gauge.builder("trainpod.reconciler.leaked.pods", this, m -> m.leakedPods)
                .description("Pods live at the provider that no live deployment holds (the leak gauge; must be 0)")
                .register(registry);
        Gauge.builder("trainpod.reconciler.deployment.pods", this, m -> m.livePods)
                .description("Deployments in the database whose pod is not confirmed terminated, at the last pass")
                .register(registry);
        Gauge.builder("trainpod.deployments.ended.pod.billing", this, m -> m.endedBilling)
                .description("Ended deployments whose pod is not confirmed terminated, at the last pass")
                .register(registry);
        Gauge.builder("trainpod.reconciler.last.pass", this, m -> m.lastPass).baseUnit("seconds")
                .description("When the reconciler last completed a pass (Unix time)").register(registry);
    }

    /** Records a deployment announced ended: by status and reason, and its cost. */
    void ended(Deployment d) {
        String status = d.status.name();
        String reason = reasonCode(d.reason);
        Counter.builder("trainpod.deployments.ended").tag("status", status).tag("reason", reason)
                .description("Deployments ended, by terminal status and reason").register(registry).increment();
        if (d.costUsd != null && d.costUsd.signum() > 0) {
            billed(status).increment(d.costUsd.doubleValue());
            BigDecimal budget = budget(d);
            if (budget != null && d.costUsd.compareTo(budget) > 0) {
                overBudget.increment();
                overshootDollars.increment(d.costUsd.subtract(budget).doubleValue());
            }
        }
    }

    private static BigDecimal budget(Deployment d) {
        try {
            JobSpec spec = d.spec();
            return spec == null || spec.limits() == null ? null : spec.limits().maxCostUsd();
        } catch (RuntimeException e) {
            return null; // a request stored before JobSpec existed: no budget to compare
        }
    }

    /** Records the time from request to pod created. */
    void podCreated(Deployment d) {
        observe(timeToPod, d.createdAt, d.podCreatedAt);
    }

    /** Records the time from request to pod running. */
    void running(Deployment d, Instant at) {
        observe(timeToRunning, d.createdAt, at);
    }

    /** Records how long an ended deployment's pod billed after the end. */
    void podTerminated(Deployment d, Instant at) {
        if (d.status.terminal() && d.endedAt != null) {
            observe(endToTermination(d.status.name()), d.endedAt, at);
        }
    }

    /**
     * The reconciler's last pass: distinct pods listed, those no live deployment holds, deployments with a pod not
     * confirmed terminated in the database, and of them those already ended.
     */
    public void reconciled(int provider, int leaked, long live, long ended) {
        providerPods = provider;
        leakedPods = leaked;
        livePods = live;
        endedBilling = ended;
        lastPass = Instant.now().getEpochSecond();
    }

    /**
     * This replica did not run the pass (another holds the lease): its gauges read 0, so that the maximum over
     * replicas is the reconciling replica's figure, never a stale one.
     */
    public void notReconciling() {
        providerPods = 0;
        leakedPods = 0;
        livePods = 0;
        endedBilling = 0;
    }

    /** An orphan pod terminated by the reconciler. */
    public void orphanTerminated() {
        orphansTerminated.increment();
    }

    /** An account the reconciler could not handle, at {@code step} "vault" (opening its key) or "list". */
    public void reconcileFailed(String step) {
        registry.counter("trainpod.reconciler.account.failures", "step", step).increment();
    }

    private Timer endToTermination(String status) {
        return Timer.builder("trainpod.deployment.end.to.termination").tag("status", status)
                .description("From a deployment's end to its pod confirmed terminated")
                .serviceLevelObjectives(seconds(0.5), seconds(1), seconds(2), seconds(5), seconds(10), seconds(20),
                        seconds(30), seconds(60), seconds(300), seconds(900))
                .register(registry);
    }

    private Counter billed(String status) {
        return Counter.builder("trainpod.deployment.billed.dollars").tag("status", status)
                .description("Dollars billed by the provider for deployments that ended, by status")
                .register(registry);
    }

    private static void observe(Timer timer, Instant from, Instant to) {
        if (from != null && to != null && !to.isBefore(from)) {
            timer.record(Duration.between(from, to));
        }
    }

    private static Duration seconds(double s) {
        return Duration.ofMillis((long) (s * 1000));
    }

    /** A reason of the public contract ({@link FailureReason}), NONE, or OTHER: never free text as a label. */
    static String reasonCode(String reason) {
        if (reason == null) {
            return "NONE";
        }
        try {
            return FailureReason.valueOf(reason).name();
        } catch (IllegalArgumentException e) {
            return "OTHER";
        }
    }
}
