package dev.trainpod.metrics;

import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A checkpoint the pod stored off the pod, as its agent reports it in the log it sends
 * ({@code <time> [trainpod] checkpoint <step> uploaded (checkpoint-<step>.tar)}, written once dataset-service took the
 * upload's last chunk): the job's progress and live stream show the newest one's step and age from it.
 *
 * @param step     the training step the checkpoint holds
 * @param storedAt when metrics-service received the line
 */
public record CheckpointLine(int step, Instant storedAt) {

    /** The agent's line, in SQL's regular-expression syntax (POSIX), to find the newest in a job's log. */
    public static final String SQL_PATTERN = "\\[trainpod\\] checkpoint [0-9]+ uploaded \\(checkpoint-[0-9]+\\.tar\\)";

    private static final Pattern LINE = Pattern.compile(
            "\\[trainpod] checkpoint (\\d{1,9}) uploaded \\(checkpoint-\\1\\.tar\\)");

    /** The checkpoint the line reports, or null when it is not the agent's checkpoint line. */
    public static CheckpointLine of(String line, Instant time) {
        Matcher m = line == null ? null : LINE.matcher(line);
        return m != null && m.find() ? new CheckpointLine(Integer.parseInt(m.group(1)), time) : null;
    }
}
