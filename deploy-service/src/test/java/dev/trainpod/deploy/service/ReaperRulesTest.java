package dev.trainpod.deploy.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainpod.common.event.FailureReason;
import dev.trainpod.deploy.client.RunPodModels;
import dev.trainpod.deploy.config.DeployConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReaperRulesTest {

    private static final Instant CREATED = Instant.parse("2026-11-23T10:00:00Z");
    private static final BigDecimal RATE = new BigDecimal("0.60");

    private final ReaperRules rules = new ReaperRules(config(true));

    @Test
    void podWithinEveryLimitGoesOn() {
        ReaperRules.Verdict v = rules.judge(facts(60, "5", null, null), running(50.0), CREATED.plusSeconds(600));
        assertThat(v.fails()).isFalse();
        assertThat(v.idleSince()).isNull();
    }

    @Test
    void maxRuntimeReachedFails() {
        ReaperRules.Verdict v = rules.judge(facts(10, "5", null, null), running(90.0), CREATED.plusSeconds(600));
        assertThat(v.reason()).isEqualTo(FailureReason.FAILED_MAX_RUNTIME);
    }

    @Test
    void costSoFarReachingTheBudgetFails() {
        // 0.60 USD/h for 30 min is 0.30 USD.
        ReaperRules.Verdict v = rules.judge(facts(600, "0.30", null, null), running(90.0), CREATED.plusSeconds(1800));
        assertThat(v.reason()).isEqualTo(FailureReason.FAILED_BUDGET);
        assertThat(v.message()).contains("0.300000 USD");
    }

    @Test
    void podNotRunningByTheProvisioningDeadlineFails() {
        ReaperRules.Verdict early = rules.judge(facts(600, "50", null, null), pod("STARTING", null),
                CREATED.plus(Duration.ofMinutes(14)));
        ReaperRules.Verdict late = rules.judge(facts(600, "50", null, null), pod("STARTING", null),
                CREATED.plus(Duration.ofMinutes(15)));
        assertThat(early.fails()).isFalse();
        assertThat(late.reason()).isEqualTo(FailureReason.FAILED_PROVIDER);
        assertThat(late.message()).contains("provisioning deadline");
    }

    @Test
    void exitedPodFails() {
        ReaperRules.Verdict v = rules.judge(facts(600, "50", null, null), pod("EXITED", null),
                CREATED.plusSeconds(60));
        assertThat(v.reason()).isEqualTo(FailureReason.FAILED_PROVIDER);
    }

    @Test
    void idleGpusFailOnlyAfterIdleMinutes() {
        Instant t0 = CREATED.plus(Duration.ofMinutes(5));
        ReaperRules.Verdict first = rules.judge(facts(600, "50", 10, null), running(1.0), t0);
        assertThat(first.fails()).isFalse();
        assertThat(first.idleSince()).isEqualTo(t0);

        ReaperRules.Verdict busyAgain = rules.judge(facts(600, "50", 10, t0), running(80.0), t0.plusSeconds(60));
        assertThat(busyAgain.idleSince()).isNull();

        ReaperRules.Verdict stillIdle = rules.judge(facts(600, "50", 10, t0), running(0.0),
                t0.plus(Duration.ofMinutes(10)));
        assertThat(stillIdle.reason()).isEqualTo(FailureReason.FAILED_GPU_IDLE);
    }

    @Test
    void idleRuleNeedsAReportedRuntimeTheLimitAndTheFlag() {
        Instant late = CREATED.plus(Duration.ofHours(1));
        assertThat(rules.judge(facts(600, "50", 10, CREATED), pod("RUNNING", null), late).fails())
                .as("no runtime reported").isFalse();
        assertThat(rules.judge(facts(600, "50", 10, CREATED),
                pod("RUNNING", new RunPodModels.Runtime(60L, List.of())), late).fails())
                .as("runtime without GPUs").isFalse();
        assertThat(rules.judge(facts(600, "50", null, CREATED), running(0.0), late).fails())
                .as("no idleMinutes asked for").isFalse();
        assertThat(new ReaperRules(config(false)).judge(facts(600, "50", 10, CREATED), running(0.0), late).fails())
                .as("rule switched off").isFalse();
    }

    @Test
    void vanishedPodFailsOnlyAfterTheGrace() {
        Instant t0 = CREATED.plusSeconds(300);
        ReaperRules.Verdict first = rules.judge(facts(600, "50", null, null), Optional.empty(), t0);
        assertThat(first.fails()).isFalse();
        assertThat(first.podMissingSince()).isEqualTo(t0);
        ReaperRules.Verdict later = rules.judge(new ReaperRules.Facts(CREATED, RATE, 600, new BigDecimal("50"), null,
                null, t0, 0, BigDecimal.ZERO), Optional.empty(), t0.plus(Duration.ofMinutes(5)));
        assertThat(later.reason()).isEqualTo(FailureReason.FAILED_PROVIDER);
        assertThat(later.lost()).as("a vanished pod is lost: a recovery may replace it").isTrue();
    }

    @Test
    void earlierPodsCountTowardsTheBudgetAndTheRuntime() {
        // 1 h at 0.60 USD/h; with 9.5 USD of earlier pods the 10 USD budget is reached
        Instant hourLater = CREATED.plus(Duration.ofHours(1));
        ReaperRules.Facts recovered = new ReaperRules.Facts(CREATED, RATE, 600, new BigDecimal("10"), null, null,
                null, 0, new BigDecimal("9.5"));
        assertThat(rules.limits(recovered, RATE, hourLater).reason()).isEqualTo(FailureReason.FAILED_BUDGET);
        ReaperRules.Facts longBefore = new ReaperRules.Facts(CREATED, RATE, 120, new BigDecimal("1000"), null, null,
                null, 3600, BigDecimal.ZERO);
        assertThat(rules.limits(longBefore, RATE, hourLater).reason()).isEqualTo(FailureReason.FAILED_MAX_RUNTIME);
        assertThat(rules.limits(facts(120, "1000", null, null), RATE, hourLater).fails()).isFalse();
    }

    private static ReaperRules.Facts facts(int maxRuntime, String maxCost, Integer idleMinutes, Instant idleSince) {
        return new ReaperRules.Facts(CREATED, RATE, maxRuntime, new BigDecimal(maxCost), idleMinutes, idleSince, null,
                0, BigDecimal.ZERO);
    }

    private static Optional<RunPodModels.Pod> running(double util) {
        return pod("RUNNING", new RunPodModels.Runtime(60L, List.of(new RunPodModels.GpuUtil(util, 10.0))));
    }

    private static Optional<RunPodModels.Pod> pod(String status, RunPodModels.Runtime runtime) {
        return Optional.of(new RunPodModels.Pod("pod1", "trainpod-x", status, new RunPodModels.Gpu("NVIDIA L40S", 1),
                "SECURE", "RUNNING".equals(status) ? RATE : BigDecimal.ZERO, CREATED, null, runtime));
    }

    private static DeployConfig config(boolean idleEnabled) {
        SmallRyeConfig c = new SmallRyeConfigBuilder()
                .withMapping(DeployConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withValidateUnknown(false)
                .withDefaultValue("trainpod.deploy.idle.enabled", Boolean.toString(idleEnabled))
                // the addresses have no defaults (a missing one fails at start); these rules do not read them
                .withDefaultValue("trainpod.deploy.metrics-public-url", "http://metrics.invalid")
                .withDefaultValue("trainpod.deploy.dataset-public-url", "http://dataset.invalid")
                .withDefaultValue("trainpod.deploy.dataset-service-url", "http://dataset.invalid")
                .build();
        return c.getConfigMapping(DeployConfig.class);
    }
}
