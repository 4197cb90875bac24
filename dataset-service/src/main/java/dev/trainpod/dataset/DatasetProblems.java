package dev.trainpod.dataset;

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
}
