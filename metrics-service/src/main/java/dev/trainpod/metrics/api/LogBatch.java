package dev.trainpod.metrics.api;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The JSON body of {@code POST /api/v1/jobs/{id}/logs}: lines in the order they were printed. */
@Schema(description = "Log lines to store.")
public record LogBatch(@Schema(description = "Lines in the order they were printed.") List<String> lines) {
}
