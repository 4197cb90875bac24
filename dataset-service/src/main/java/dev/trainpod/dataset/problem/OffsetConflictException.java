package dev.trainpod.dataset.problem;

import dev.trainpod.common.problem.Problem;
import dev.trainpod.common.problem.ProblemException;

/** A resumable upload's chunk does not start where the upload stands: 409 with {@code Upload-Offset}. */
public class OffsetConflictException extends ProblemException {

    private final long offset;

    public OffsetConflictException(String slug, String detail, long offset) {
        super(Problem.of(409, slug, "Conflict", detail));
        this.offset = offset;
    }

    /** How many bytes the upload has: where the next chunk must start. */
    public long offset() {
        return offset;
    }
}
