package dev.trainpod.common.dataset;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.UUID;

/**
 * What dataset-service tells deploy-service of a user's dataset after validating it
 * ({@code GET /internal/v1/datasets/{id}?userId=}); unknown fields are ignored.
 *
 * @param format {@code SFT_MESSAGES}, {@code DPO_PAIRS}, … or {@code INVALID}
 * @param rows the non-blank lines of the file
 * @param estimatedTokens about a quarter of the characters of the records' text
 * @param fitsMethods the training methods the format can be used for ({@code SFT}, {@code DPO})
 * @param errorCount how many validation errors the file has
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DatasetSummary(UUID id, String userId, String name, long bytes, String sha256, String format,
                             long rows, Long estimatedTokens, List<String> fitsMethods, Long errorCount) {
}
