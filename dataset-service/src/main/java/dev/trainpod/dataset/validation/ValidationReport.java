package dev.trainpod.dataset.validation;

import java.util.List;

/**
 * What validation found in a whole dataset.
 *
 * @param rows the non-blank lines, valid or not
 * @param estimatedTokens about a quarter of the characters of the valid records' text
 * @param errors the first {@link DatasetValidator#MAX_REPORTED_ERRORS} errors, in line order
 * @param errorCount every error found
 */
public record ValidationReport(DatasetFormat format, long rows, long estimatedTokens, List<LineError> errors,
                               long errorCount) {
}
