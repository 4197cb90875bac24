package dev.trainpod.metrics;

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
public record StatusReport(
        String phase,
        String message,
        Integer exitCode,
        String logTail,
        String failedPhase,
        Integer totalSteps,
        Integer step) {
}
