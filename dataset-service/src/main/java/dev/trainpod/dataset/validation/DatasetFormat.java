package dev.trainpod.dataset.validation;

import java.util.List;

/** The record shape every line of a dataset shares; the names are part of the public contract. */
@org.eclipse.microprofile.openapi.annotations.media.Schema(description = "A dataset's format: which fields its"
        + " records have (INVALID: a line failed validation).")
public enum DatasetFormat {

    /** {@code {"messages":[{"role","content"},...]}}, a chat that ends with the assistant's turn. */
    SFT_MESSAGES(List.of("SFT")),
    /** {@code {"prompt","completion"}}. */
    SFT_PROMPT_COMPLETION(List.of("SFT")),
    /** {@code {"text"}}. */
    SFT_TEXT(List.of("SFT")),
    /** {@code {"prompt","chosen","rejected"}}: all strings or all message lists. */
    DPO(List.of("DPO")),
    /** Some line is not a valid record, or the lines do not share one format. */
    INVALID(List.of());

    private final List<String> fitsMethods;

    DatasetFormat(List<String> fitsMethods) {
        this.fitsMethods = fitsMethods;
    }

    /** The training methods ({@code SFT}, {@code DPO}) a dataset of this format can be used for. */
    public List<String> fitsMethods() {
        return fitsMethods;
    }
}
