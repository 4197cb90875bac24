package dev.trainpod.dataset.validation;

import org.eclipse.microprofile.openapi.annotations.media.Schema;
/**
 * One problem found in a dataset.
 *
 * @param line the 1-based line number in the file
 * @param message what is wrong, naming the field where there is one
 */
@Schema(description = "One validation error of a dataset line.")
public record LineError(@Schema(description = "The line number, from 1.", minimum = "1") long line,
                        @Schema(description = "What is wrong with the line.") String message) {
}
