package dev.trainpod.common.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An RFC 9457 problem document: a stable {@code type} per error, a human {@code detail} that says what to do,
 * and, for validation failures, every failing field.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance,
                      List<FieldError> errors) {

    /** The media type every error of the API is served with. */
    public static final String MEDIA_TYPE = "application/problem+json";

    /** Prefix of every problem {@code type}; the rest names the error, e.g. {@code .../not-found}. */
    public static final String TYPE_BASE = "https://trainpod.dev/problems/";

    public static Problem of(int status, String slug, String title, String detail) {
        return new Problem(TYPE_BASE + slug, title, status, detail, null, null);
    }

    public Problem withErrors(List<FieldError> fieldErrors) {
        return new Problem(type, title, status, detail, instance, fieldErrors);
    }

    /**
     * One failed check.
     *
     * @param field the request field it concerns, as a JSON path such as {@code gpu.types[0]}
     * @param code a stable machine-readable code, e.g. {@code DATASET_NOT_FOUND}
     * @param hint what the user can do about it
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FieldError(String field, String code, String message, String hint) {
    }
}
