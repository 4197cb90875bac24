package dev.trainpod.metrics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.trainpod.metrics.JobStatus;
import java.time.Instant;

/**
 * One event of a job's live stream.
 *
 * @param id the job's event number: grows with every point, log line and phase change, so a client that
 *           reconnects with {@code Last-Event-ID} gets exactly what came after
 * @param type {@code metric} (a {@link MetricPoint}), {@code log} (a {@link Log}), {@code phase} (a {@link Phase})
 *             or {@code checkpoint} (a {@link Checkpoint}: a checkpoint stored off the pod)
 */
public record StreamEvent(long id, String type, Object data) {

    public static final String METRIC = "metric";
    public static final String LOG = "log";
    public static final String PHASE = "phase";
    public static final String CHECKPOINT = "checkpoint";

    /** Sent (as an SSE comment) after a quiet spell, so that proxies do not close an idle stream. */
    public static final StreamEvent KEEP_ALIVE = new StreamEvent(0, "keep-alive", null);

    /** A checkpoint one of the job's pods stored off the pod: its step and when dataset-service stored it. */
    public record Checkpoint(int step, Instant storedAt) {
    }

    /** One log line as the pod sent it. */
    public record Log(String line, Instant time) {
    }

    /**
     * A change of phase or status; {@code status} {@code ENDED} is the stream's last event.
     *
     * @param reason why the job failed or ended, when it did
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Phase(String phase, String status, String reason, String message, Instant time) {
    }

    /** True for the event after which the job has nothing more to send. */
    public boolean isLast() {
        return data instanceof Phase phase && JobStatus.ENDED.name().equals(phase.status());
    }
}
