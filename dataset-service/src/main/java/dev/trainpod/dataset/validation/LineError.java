package dev.trainpod.dataset.validation;

/**
 * One problem found in a dataset.
 *
 * @param line the 1-based line number in the file
 * @param message what is wrong, naming the field where there is one
 */
public record LineError(long line, String message) {
}
