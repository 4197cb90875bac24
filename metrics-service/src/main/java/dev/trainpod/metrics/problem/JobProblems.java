package dev.trainpod.metrics.problem;

import dev.trainpod.common.problem.Problem;
import dev.trainpod.common.problem.ProblemException;
import java.util.List;
import java.util.UUID;

/** The problems metrics-service answers with, one place for their types and wording. */
public final class JobProblems {

    private JobProblems() {
    }

    /** An unknown job, another user's job, or an id that is not a UUID: all look the same from outside. */
    public static ProblemException notFound(String id) {
        return ProblemException.notFound("Job " + id);
    }

    /** The deployment ended and its pod is gone; nothing more may be written for it. */
    public static ProblemException ended(UUID id) {
        return ProblemException.conflict("job-ended",
                "Deployment " + id + " has ended; its job takes no more status, metrics or log lines.");
    }

    /** A job token used for another deployment's job. */
    public static ProblemException wrongJob() {
        return new ProblemException(Problem.of(403, "wrong-job", "Forbidden",
                "This job token belongs to another deployment; use the token of the deployment in the path."));
    }

    /** One or more fields of a request are invalid; {@code errors} names each. */
    public static ProblemException invalid(String slug, String detail, List<Problem.FieldError> errors) {
        return new ProblemException(Problem.of(400, slug, "Invalid request", detail).withErrors(errors));
    }

    /** One invalid field. */
    public static ProblemException invalidField(String field, String code, String message, String hint) {
        return invalid("invalid-request", field + ": " + message + (hint == null ? "." : "; " + hint + "."),
                List.of(new Problem.FieldError(field, code, message, hint)));
    }

    /** A request without the body it needs. */
    public static ProblemException missingBody(String example) {
        return new ProblemException(Problem.of(400, "missing-body", "Missing request body",
                "This call needs a JSON body such as " + example + "."));
    }
}
