package dev.trainpod.metrics;

import java.util.List;

/**
 * The latest log lines of a job, oldest first.
 *
 * @param dropped how many of the job's lines were discarded, oldest first, to stay within the per-job limit
 */
public record LogTail(List<String> lines, long dropped) {
}
