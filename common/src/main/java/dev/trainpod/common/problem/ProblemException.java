package dev.trainpod.common.problem;

import java.util.List;

/** Thrown (or failed with, in a {@code Uni}) to answer the request with the problem it carries. */
public class ProblemException extends RuntimeException {

    private final transient Problem problem;

    public ProblemException(Problem problem) {
        super(problem.title() + ": " + problem.detail(), null, false, false);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }

    public static ProblemException notFound(String what) {
        return new ProblemException(Problem.of(404, "not-found", "Not found",
                what + " does not exist or is not yours."));
    }

    public static ProblemException badRequest(String slug, String detail) {
        return new ProblemException(Problem.of(400, slug, "Bad request", detail));
    }

    public static ProblemException conflict(String slug, String detail) {
        return new ProblemException(Problem.of(409, slug, "Conflict", detail));
    }

    public static ProblemException gone(String slug, String detail) {
        return new ProblemException(Problem.of(410, slug, "Gone", detail));
    }

    public static ProblemException unprocessable(String slug, String detail, List<Problem.FieldError> errors) {
        return new ProblemException(Problem.of(422, slug, "Unprocessable request", detail).withErrors(errors));
    }

    /** A quota of the caller's is used up; the detail says which and how to free it. */
    public static ProblemException tooManyRequests(String slug, String detail) {
        return new ProblemException(Problem.of(429, slug, "Too many requests", detail));
    }

    public static ProblemException badGateway(String slug, String detail) {
        return new ProblemException(Problem.of(502, slug, "Upstream failure", detail));
    }
}
