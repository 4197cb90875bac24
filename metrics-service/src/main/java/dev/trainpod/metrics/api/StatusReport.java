package dev.trainpod.metrics.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * What a pod reports on {@code POST /api/v1/jobs/{id}/status}: a phase change, a heartbeat, or the outcome.
 *
 * @param phase {@code DOWNLOADING}, {@code TRAINING}, {@code UPLOADING}, {@code SUCCEEDED} or {@code FAILED}
 * @param exitCode the failing command's exit code, with {@code FAILED}
 * @param logTail the last lines the pod printed, with {@code FAILED}; only its last 64 KiB are kept
 * @param failedPhase the phase the pod failed in, with {@code FAILED}; the last reported phase when absent
 * @param totalSteps how many steps training will take, once the trainer knows
 * @param step the trainer's current step, on heartbeats
 */
@Schema(description = "A pod's status report: a phase change, a heartbeat, or the outcome.")
public record StatusReport(
        @Schema(description = "DOWNLOADING, TRAINING, UPLOADING, SUCCEEDED or FAILED; absent on a heartbeat.")
        String phase,
        @Schema(description = "A human message (why it failed, say).") String message,
        @Schema(description = "The failing command's exit code (0–255), with FAILED.") Integer exitCode,
        @Schema(description = "The last lines the pod printed, with FAILED; only the last 64 KiB are kept.") String logTail,
        @Schema(description = "The phase the pod failed in, with FAILED; the last reported phase when absent.") String failedPhase,
        @Schema(description = "How many steps training will take, once the trainer knows; at least 1.", minimum = "1")
        Integer totalSteps,
        @Schema(description = "The trainer's current step, on heartbeats; 0 or more.", minimum = "0") Integer step) {
}
