package dev.trainpod.metrics.api;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The latest log lines of a job, oldest first.
 *
 * @param dropped how many of the job's lines were discarded, oldest first, to stay within the per-job limit
 */
@Schema(description = "The latest log lines of a job, oldest first.")
public record LogTail(@Schema(description = "The lines, oldest first.") List<String> lines,
                      @Schema(description = "Lines discarded, oldest first, to stay within the per-job limit.", minimum = "0")
                      long dropped) {
}
