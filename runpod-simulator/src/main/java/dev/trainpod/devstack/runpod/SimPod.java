package dev.trainpod.devstack.runpod;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of one simulated pod, for tests that check what RunPod would have run and billed.
 *
 * @param status RunPod's pod status, e.g. {@code "RUNNING"} or {@code "TERMINATED"}
 * @param cloud {@code "SECURE"} or {@code "COMMUNITY"}
 * @param costPerHour the rate the pod bills at while it is not stopped: catalog price times GPU count
 * @param billedSeconds the seconds billed so far; stopped and terminated time is not billed
 * @param costUsd {@code billedSeconds} at {@code costPerHour}
 * @param restarts how many times the container was started again after its first start
 * @param env the complete environment the pod's container process gets, RunPod's own variables included
 * @param log the pod's container output and the simulator's notes on it, oldest first
 */
public record SimPod(String id, String name, String status, String gpuTypeId, int gpuCount, String cloud,
                     double costPerHour, Instant createdAt, Instant startedAt, Instant terminatedAt,
                     double billedSeconds, double costUsd, int restarts, Map<String, String> env,
                     List<LogLine> log) {
}
