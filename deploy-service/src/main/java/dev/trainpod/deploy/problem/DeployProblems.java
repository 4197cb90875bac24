package dev.trainpod.deploy.problem;

import dev.trainpod.common.problem.Problem;
import dev.trainpod.common.problem.ProblemException;
import java.util.List;

/**
 * The problems deploy-service answers with, each with a stable type (its slug), in one place as in the other
 * services ({@code dataset.problem.DatasetProblems}, {@code metrics.problem.JobProblems}). The pre-flight's field
 * codes are in {@code PreflightChecks} and {@code HyperparameterRules}.
 */
public final class DeployProblems {

    private DeployProblems() {
    }

    public static ProblemException bodyRequired(String detail) {
        return ProblemException.badRequest("body-required", detail);
    }

    public static ProblemException idempotencyKeyTooLong(int max) {
        return ProblemException.badRequest("idempotency-key-too-long",
                "Idempotency-Key may have at most " + max + " characters.");
    }

    public static ProblemException deploymentNotFound(Object id) {
        return ProblemException.notFound("Deployment " + id);
    }

    public static ProblemException deploymentNotEnded(Object status) {
        return ProblemException.conflict("deployment-not-ended",
                "The deployment is still " + status + "; cancel it or wait until it ends to retry it.");
    }

    public static ProblemException deploymentEnded(Object status) {
        return ProblemException.conflict("deployment-ended",
                "The deployment already ended with status " + status + ".");
    }

    public static ProblemException quotaExceeded(String what, long count, int cap, String hint) {
        return ProblemException.tooManyRequests("deployment-quota-exceeded", "You have " + count + " deployments "
                + what + ", the most one user may have (" + cap + "); nothing was started and nothing was billed. "
                + hint);
    }

    public static ProblemException estimateFailed(List<Problem.FieldError> failures) {
        return ProblemException.unprocessable("estimate-failed", "The request cannot be estimated; fix these fields.",
                failures);
    }

    public static ProblemException preflightFailed(List<Problem.FieldError> failures) {
        return ProblemException.unprocessable("preflight-failed", "The deployment failed " + failures.size()
                + " pre-flight check(s); nothing was started and nothing was billed.", failures);
    }

    public static ProblemException datasetServiceUnavailable() {
        return new ProblemException(Problem.of(503, "dataset-service-unavailable", "Service unavailable",
                "The dataset could not be checked right now; nothing was started. Try again."));
    }

    public static ProblemException runPodKeyMissing() {
        return ProblemException.conflict("runpod-key-missing",
                "Store your RunPod API key with PUT /api/v1/secrets/runpod to read the catalog.");
    }

    public static ProblemException runPodUnavailable(String what) {
        return ProblemException.badGateway("runpod-unavailable", what);
    }

    public static ProblemException runPodKeyMalformed() {
        return ProblemException.unprocessable("runpod-key-malformed", "apiKey must be a RunPod API key.",
                List.of(new Problem.FieldError("apiKey", "RUNPOD_KEY_MALFORMED",
                        "apiKey must be 8 to 256 printable characters without spaces.",
                        "Copy the key from the RunPod console under Settings > API Keys.")));
    }

    public static ProblemException runPodKeyRejected(int status) {
        return ProblemException.unprocessable("runpod-key-rejected", "RunPod rejected this API key.",
                List.of(new Problem.FieldError("apiKey", "RUNPOD_KEY_REJECTED",
                        "RunPod answered " + status + " to this key.",
                        "In the RunPod console open Settings > API Keys, create a key with read/write "
                                + "access to pods, and store it here.")));
    }

    public static ProblemException huggingFaceTokenMalformed() {
        return ProblemException.unprocessable("huggingface-token-malformed",
                "token must be a Hugging Face access token.",
                List.of(new Problem.FieldError("token", "HUGGINGFACE_TOKEN_MALFORMED",
                        "token must be \"hf_\" followed by letters and digits.",
                        "Create a token with read access at huggingface.co under Settings > Access Tokens, "
                                + "and accept the licence of any gated model you train.")));
    }
}
