package dev.trainpod.dataset.problem;

import dev.trainpod.common.problem.Problem;
import dev.trainpod.common.problem.ProblemException;

/** The problems this service answers with that common's factories do not cover, each with a stable type. */
public final class DatasetProblems {

    private DatasetProblems() {
    }

    public static ProblemException tooLarge(long maxBytes) {
        return new ProblemException(Problem.of(413, "dataset-too-large", "Dataset too large",
                "A dataset may have at most " + maxBytes + " bytes; split it or sample it down."));
    }

    public static ProblemException empty(String detail) {
        return ProblemException.badRequest("dataset-empty", detail + " Upload a JSONL file with one record per line.");
    }

    public static ProblemException uploadInterrupted() {
        return ProblemException.badRequest("upload-interrupted",
                "The upload ended before the whole file arrived; nothing was stored. Upload it again.");
    }

    public static ProblemException storageUnavailable() {
        return new ProblemException(Problem.of(503, "storage-unavailable", "Storage unavailable",
                "The dataset could not be stored; nothing was kept. Try again later."));
    }

    public static ProblemException datasetNotFound() {
        return ProblemException.notFound("This dataset");
    }

    public static ProblemException downloadNotFound() {
        return new ProblemException(Problem.of(404, "download-not-found", "Not found",
                "This download link is not valid; ask for a new one."));
    }

    public static ProblemException downloadRevoked() {
        return ProblemException.gone("download-revoked",
                "This download link was revoked because its deployment ended.");
    }

    public static ProblemException downloadExpired() {
        return ProblemException.gone("download-expired",
                "This download link has expired; a pod can exchange its job token for a new one.");
    }

    public static ProblemException downloadsUsedUp(int maxUses) {
        return new ProblemException(Problem.of(429, "download-uses-exhausted", "Too many downloads",
                "This download link allowed " + maxUses + " downloads and all were used; ask for a new one."));
    }

    public static ProblemException datasetInUse(long deployments) {
        return ProblemException.conflict("dataset-in-use", "This dataset is used by " + deployments
                + " deployment(s) that have not ended; delete it once they have ended or been cancelled.");
    }

    public static ProblemException deploymentNotFound() {
        return new ProblemException(Problem.of(404, "deployment-not-found", "Not found",
                "This deployment is not known to the dataset service (yet); try again shortly."));
    }

    public static ProblemException deploymentEnded() {
        return ProblemException.gone("deployment-ended",
                "This deployment has ended; its dataset and artifacts can no longer be transferred by its pod.");
    }

    public static ProblemException artifactNameInvalid() {
        return ProblemException.badRequest("artifact-name-invalid",
                "An artifact name has 1 to 128 of the characters A-Z a-z 0-9 . _ - and is not . or ..");
    }

    public static ProblemException artifactTooLarge(long maxBytes) {
        return new ProblemException(Problem.of(413, "artifact-too-large", "Artifact too large",
                "An artifact may have at most " + maxBytes + " bytes; nothing of this upload was kept."));
    }

    /**
     * The user's datasets would pass a quota: 409, with the code, the limit and the usage in {@code errors}.
     *
     * @param code {@code DATASET_COUNT_QUOTA} or {@code DATASET_BYTES_QUOTA}
     */
    public static ProblemException datasetQuotaExceeded(String code, long limit, long usage) {
        return quotaExceeded("dataset-quota-exceeded", code, limit, usage, "Your datasets would pass your storage"
                + " quota; nothing of this upload was kept.", "delete datasets you no longer need, then upload again");
    }

    /**
     * The deployment's artifacts would pass a quota: 409, with the code, the limit and the usage in {@code errors}.
     *
     * @param code {@code ARTIFACT_COUNT_QUOTA} or {@code ARTIFACT_BYTES_QUOTA}
     */
    public static ProblemException artifactQuotaExceeded(String code, long limit, long usage) {
        return quotaExceeded("artifact-quota-exceeded", code, limit, usage, "This deployment's artifacts would pass"
                + " its storage quota; nothing of this upload was kept.", "store fewer or smaller artifacts (keep"
                + " the final model, not every checkpoint)");
    }

    private static ProblemException quotaExceeded(String slug, String code, long limit, long usage, String detail,
                                                  String hint) {
        String unit = code.contains("BYTES") ? " bytes" : "";
        return new ProblemException(Problem.of(409, slug, "Storage quota exceeded", detail + " Limit " + limit
                + unit + ", in use " + usage + unit + ".").withErrors(java.util.List.of(new Problem.FieldError(null,
                code, "limit " + limit + unit + ", in use " + usage + unit, hint))));
    }

    public static ProblemException artifactsIncomplete(java.util.List<String> names) {
        return ProblemException.conflict("artifacts-incomplete", "These artifacts are not stored complete: "
                + String.join(", ", names) + ". Upload each (PUT /api/v1/pod/artifacts/{name}) until it answers"
                + " 201, then declare the artifacts again.");
    }

    public static ProblemException artifactNotFound() {
        return ProblemException.notFound("This artifact");
    }

    public static ProblemException checksumMismatch(String expected, String actual) {
        return ProblemException.unprocessable("checksum-mismatch", "The upload's SHA-256 is " + actual
                + " but X-Trainpod-Sha256 said " + expected + "; the upload was discarded, send it again.",
                java.util.List.of(new Problem.FieldError("X-Trainpod-Sha256", "CHECKSUM_MISMATCH",
                        "expected " + expected + ", received " + actual, "upload the file again from byte 0")));
    }

    public static ProblemException badHeader(String slug, String detail) {
        return ProblemException.badRequest(slug, detail);
    }

    public static ProblemException uploadNotFound() {
        return ProblemException.notFound("This upload");
    }

    public static OffsetConflictException offsetMismatch(long offset) {
        return new OffsetConflictException("upload-offset-mismatch", "The upload has " + offset
                + " bytes; send the next chunk from that offset (see Upload-Offset).", offset);
    }
}
