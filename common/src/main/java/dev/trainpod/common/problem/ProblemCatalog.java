package dev.trainpod.common.problem;

import java.util.Arrays;
import java.util.Optional;

/**
 * Every problem {@code type} any Trainpod service answers with: the one catalog the problem pages at the gateway
 * ({@code /problems/<slug>}), the OpenAPI document's problem descriptions and the README table are generated from
 * or checked against. A slug used by a service's code and missing here fails {@code ProblemCatalogTest}.
 */
public enum ProblemCatalog {

    // --- any service ---
    INVALID_REQUEST("invalid-request", 400, "Invalid request",
            "One or more fields of the request are invalid; `errors` names each field with a code and a hint.",
            "Fix each field listed in `errors` and send the request again."),
    MALFORMED_JSON("malformed-json", 400, "Malformed request body",
            "The body is not valid UTF-8 JSON, or does not have the expected shape (a string where a number belongs).",
            "Send a JSON object with the documented fields and types; `errors` names the field when one is known."),
    BAD_REQUEST("bad-request", 400, "Bad request",
            "The request was rejected before it reached Trainpod's checks.",
            "Check the method, path, headers and body against the API reference at /api/docs."),
    BODY_REQUIRED("body-required", 400, "Request body required",
            "This call needs a JSON body and none was sent.",
            "Send the JSON body shown in the operation's example."),
    MISSING_BODY("missing-body", 400, "Missing request body",
            "This call needs a JSON body and none was sent.",
            "Send the JSON body shown in the operation's example."),
    UNAUTHORIZED("unauthorized", 401, "Unauthorized",
            "The request had no bearer token, or its token is expired, badly signed or from an unknown issuer.",
            "Send `Authorization: Bearer <token>`: your user JWT, or the job token of the pod for /api/v1/pod and"
                    + " telemetry calls."),
    FORBIDDEN("forbidden", 403, "Forbidden",
            "The token is valid but its role may not call this operation (a job token on a user endpoint, say).",
            "Use a user JWT for user operations and the pod's job token for pod operations."),
    NOT_FOUND("not-found", 404, "Not found",
            "The resource does not exist, or it is not yours: both answer the same so ids cannot be probed.",
            "Check the id; list your own resources (GET /api/v1/deployments, /api/v1/datasets)."),
    METHOD_NOT_ALLOWED("method-not-allowed", 405, "Method not allowed",
            "The path exists but does not take this HTTP method.",
            "See the API reference at /api/docs for the methods each path takes."),
    NOT_ACCEPTABLE("not-acceptable", 406, "Not acceptable",
            "The `Accept` header asks for a media type this operation cannot produce.",
            "Accept application/json (or text/event-stream for streams)."),
    BODY_TOO_SLOW("body-too-slow", 408, "Request body too slow",
            "The request body arrived too slowly and the request was cut off; nothing was stored.",
            "Send the body again over a faster connection, or use the resumable upload (POST /api/v1/uploads)."),
    BODY_TOO_LARGE("body-too-large", 413, "Request body too large",
            "The JSON body is larger than the service accepts for this operation; nothing was stored.",
            "Send a smaller body; split telemetry into several calls."),
    REQUEST_ENTITY_TOO_LARGE("request-entity-too-large", 413, "Request entity too large",
            "The request body is larger than this operation accepts.",
            "Send a smaller body."),
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", 415, "Unsupported media type",
            "The `Content-Type` of the body is not one this operation reads.",
            "Send the content type the API reference names (usually application/json)."),
    RATE_LIMITED("rate-limited", 429, "Too many requests",
            "This client sent more requests than its allowance; the request was not processed.",
            "Wait for the number of seconds in `Retry-After` and send it again."),
    SERVER_ERROR("server-error", 500, "Server error",
            "Something failed inside the service; it was logged and the request changed nothing.",
            "Try again; if it keeps failing, report the time and the request to the operators."),
    SERVICE_UNAVAILABLE("service-unavailable", 503, "Service unavailable",
            "The service's database is unreachable for a moment; the request changed nothing.",
            "Wait for the seconds in `Retry-After` and send it again."),

    // --- deploy-service ---
    PREFLIGHT_FAILED("preflight-failed", 422, "Pre-flight checks failed",
            "The deployment was not started: at least one pre-flight check failed, before any pod could bill.",
            "Fix each entry of `errors`; each has a code (see /problems/codes/<CODE>) and a hint."),
    ESTIMATE_FAILED("estimate-failed", 422, "Estimate failed",
            "The cost estimate could not be made from this request.",
            "Fix each entry of `errors` and ask again."),
    DEPLOYMENT_QUOTA_EXCEEDED("deployment-quota-exceeded", 429, "Deployment quota exceeded",
            "You have as many live (or waiting) deployments as a user may hold; nothing was stored.",
            "Wait for one to end, or cancel one (DELETE /api/v1/deployments/{id}), then try again."),
    IDEMPOTENCY_KEY_TOO_LONG("idempotency-key-too-long", 400, "Idempotency key too long",
            "The `Idempotency-Key` header is longer than 255 characters.",
            "Use a shorter key, such as a UUID."),
    DEPLOYMENT_NOT_ENDED("deployment-not-ended", 409, "Deployment not ended",
            "Only an ended deployment can be retried or have this done to it.",
            "Wait until the deployment has ended, or cancel it first."),
    DEPLOYMENT_ENDED("deployment-ended", 409, "Deployment ended",
            "The deployment has ended: it can no longer be changed, and its pod may no longer transfer data.",
            "Start a new deployment (or retry this one) if more work is needed."),
    RUNPOD_KEY_MISSING("runpod-key-missing", 409, "RunPod key missing",
            "No RunPod API key is stored for you, so Trainpod cannot act on RunPod.",
            "Store one with PUT /api/v1/secrets/runpod {\"apiKey\": \"...\"}."),
    RUNPOD_KEY_MALFORMED("runpod-key-malformed", 422, "RunPod key malformed",
            "The value sent does not look like a RunPod API key; nothing was stored.",
            "Copy the key from the RunPod console (Settings > API Keys) and send it again."),
    RUNPOD_KEY_REJECTED("runpod-key-rejected", 422, "RunPod key rejected",
            "RunPod refused the API key; nothing was stored.",
            "Create a key with read/write access in the RunPod console and store it."),
    HUGGINGFACE_TOKEN_MALFORMED("huggingface-token-malformed", 422, "Hugging Face token malformed",
            "The value sent does not look like a Hugging Face access token; nothing was stored.",
            "Copy a token (hf_...) from huggingface.co/settings/tokens and send it again."),
    RUNPOD_UNAVAILABLE("runpod-unavailable", 502, "RunPod unavailable",
            "RunPod did not answer or answered with an error; nothing was changed.",
            "Try again in a minute."),
    DATASET_SERVICE_UNAVAILABLE("dataset-service-unavailable", 503, "Dataset service unavailable",
            "The dataset could not be checked right now; no deployment was started.",
            "Try again in a moment."),
    GRANT_MISMATCH("grant-mismatch", 409, "Grant mismatch",
            "A download grant was asked for with details that differ from the one already given for this deployment.",
            "This is an internal consistency failure; report it to the operators."),

    // --- dataset-service ---
    DATASET_TOO_LARGE("dataset-too-large", 413, "Dataset too large",
            "The dataset is larger than the largest one Trainpod stores; nothing was kept.",
            "Split the dataset or sample it down, then upload again."),
    DATASET_EMPTY("dataset-empty", 400, "Dataset empty",
            "The upload held no records.",
            "Upload a JSONL file with one record per line."),
    DATASET_INVALID("dataset-invalid", 422, "Dataset invalid",
            "The dataset was stored but failed validation, so no deployment may train on it.",
            "Read its errors (GET /api/v1/datasets/{id}), fix those lines and upload again."),
    DATASET_IN_USE("dataset-in-use", 409, "Dataset in use",
            "A deployment that has not ended still uses this dataset, so it cannot be deleted.",
            "Delete it once those deployments have ended or been cancelled."),
    FILE_MISSING("file-missing", 400, "File missing",
            "The multipart upload has no `file` part.",
            "Send the dataset as the form field `file`, or as the raw body with ?name=."),
    NAME_MISSING("name-missing", 400, "Name missing",
            "The upload names no file.",
            "Pass ?name=<file name>.jsonl (or Upload-Metadata name for resumable uploads)."),
    UPLOAD_INTERRUPTED("upload-interrupted", 400, "Upload interrupted",
            "The connection ended before the whole file arrived; nothing was stored.",
            "Upload it again, or use the resumable upload (POST /api/v1/uploads) for large files."),
    STORAGE_UNAVAILABLE("storage-unavailable", 503, "Storage unavailable",
            "The file could not be written to storage; nothing was kept.",
            "Try again later."),
    UPLOAD_LENGTH_INVALID("upload-length-invalid", 400, "Upload-Length invalid",
            "The `Upload-Length` header is missing or not a whole number of bytes.",
            "Send Upload-Length: <total bytes of the file>."),
    UPLOAD_LENGTH_EXCEEDED("upload-length-exceeded", 400, "Upload-Length exceeded",
            "The chunk would make the upload longer than the Upload-Length it was created with.",
            "Send only the remaining bytes."),
    UPLOAD_METADATA_INVALID("upload-metadata-invalid", 400, "Upload-Metadata invalid",
            "The `Upload-Metadata` header is not a list of `key base64value` pairs.",
            "Send Upload-Metadata: name <base64 of the file name>."),
    UPLOAD_OFFSET_INVALID("upload-offset-invalid", 400, "Upload-Offset invalid",
            "The `Upload-Offset` header is missing or not a whole number of bytes.",
            "Ask HEAD /api/v1/uploads/{id} for the offset and send it."),
    UPLOAD_OFFSET_MISMATCH("upload-offset-mismatch", 409, "Upload offset mismatch",
            "The chunk starts at another offset than the bytes already received.",
            "Send the next chunk from the offset in the answer's `Upload-Offset` header."),
    UPLOAD_BUSY("upload-busy", 409, "Upload busy",
            "Another chunk of this upload is being written right now.",
            "Wait for it to finish (HEAD /api/v1/uploads/{id}), then send the next chunk."),
    UPLOAD_COMPLETE("upload-complete", 409, "Upload complete",
            "This upload already has all its bytes.",
            "Nothing more to send; the dataset is in GET /api/v1/datasets."),
    DOWNLOAD_NOT_FOUND("download-not-found", 404, "Download not found",
            "The download link is not valid.",
            "A pod asks for a new one with POST /api/v1/pod/dataset and its job token."),
    DOWNLOAD_REVOKED("download-revoked", 410, "Download revoked",
            "The download link was revoked because its deployment ended.",
            "Nothing to do: an ended deployment no longer reads its dataset."),
    DOWNLOAD_EXPIRED("download-expired", 410, "Download expired",
            "The download link is older than its lifetime (at most 2 hours).",
            "A pod exchanges its job token for a new link with POST /api/v1/pod/dataset."),
    DOWNLOAD_USES_EXHAUSTED("download-uses-exhausted", 429, "Download uses exhausted",
            "The download link was used as many times as it allows.",
            "A pod asks for a new link with POST /api/v1/pod/dataset."),
    DOWNLOAD_RATE_LIMITED("download-rate-limited", 429, "Download rate limited",
            "Too many invalid download links came from this address; it is refused for a while.",
            "Wait for the seconds in `Retry-After`; use only links Trainpod gave you."),
    RANGE_NOT_SATISFIABLE("range-not-satisfiable", 416, "Range not satisfiable",
            "The `Range` asked for lies outside the file.",
            "Ask for a range within the file's size (Content-Length of a full GET)."),
    DEPLOYMENT_NOT_FOUND("deployment-not-found", 404, "Deployment not found",
            "The dataset service does not know this deployment yet (its DeploymentRequested event has not arrived).",
            "Try again in a few seconds."),
    DEPLOYMENT_ID_INVALID("deployment-id-invalid", 400, "Deployment id invalid",
            "The deployment id given is not a UUID.",
            "Send the deployment's id as returned by POST /api/v1/deployments."),
    ARTIFACT_NAME_INVALID("artifact-name-invalid", 400, "Artifact name invalid",
            "An artifact name has 1 to 128 of the characters A-Z a-z 0-9 . _ - and is not . or ..",
            "Rename the artifact."),
    ARTIFACT_TOO_LARGE("artifact-too-large", 413, "Artifact too large",
            "The artifact is larger than one artifact may be; nothing of this upload was kept.",
            "Store a smaller artifact (e.g. the adapter only) or split it."),
    ARTIFACTS_INCOMPLETE("artifacts-incomplete", 409, "Artifacts incomplete",
            "Some declared artifacts are not stored complete.",
            "Upload each (PUT /api/v1/pod/artifacts/{name}) until it answers 201, then declare again."),
    CHECKSUM_INVALID("checksum-invalid", 400, "Checksum header invalid",
            "`X-Trainpod-Sha256` is not 64 hexadecimal characters.",
            "Send the file's SHA-256 as 64 lowercase hex characters."),
    CHECKSUM_MISMATCH("checksum-mismatch", 422, "Checksum mismatch",
            "The bytes received do not have the SHA-256 the upload announced; they were discarded.",
            "Upload the file again from byte 0."),
    CONTENT_RANGE_INVALID("content-range-invalid", 400, "Content-Range invalid",
            "The `Content-Range` header is not `bytes <first>-<last>/<total>`, or does not continue the upload.",
            "Send Content-Range: bytes <first>-<last>/<total>, continuing from the stored bytes."),
    DATASET_QUOTA_EXCEEDED("dataset-quota-exceeded", 409, "Storage quota exceeded",
            "Your datasets would pass your quota (their number or their bytes); nothing of this upload was kept."
                    + " `errors[0]` has the code, the limit and what you use.",
            "Delete datasets you no longer need (DELETE /api/v1/datasets/{id}), then upload again."),
    ARTIFACT_QUOTA_EXCEEDED("artifact-quota-exceeded", 409, "Storage quota exceeded",
            "The deployment's artifacts would pass its quota (their number or their bytes); nothing of this upload"
                    + " was kept. `errors[0]` has the code, the limit and what the deployment uses.",
            "Store fewer or smaller artifacts: the final model rather than every checkpoint."),
    CHUNK_LONGER_THAN_RANGE("chunk-longer-than-range", 400, "Chunk longer than its range",
            "The body has more bytes than its Content-Range announced; nothing of it was kept.",
            "Send exactly the bytes the Content-Range names."),

    // --- metrics-service ---
    JOB_ENDED("job-ended", 409, "Job ended",
            "The deployment has ended; its job takes no more status, metrics or log lines.",
            "Stop sending; the pod should shut down."),
    WRONG_JOB("wrong-job", 403, "Wrong job",
            "The job token belongs to another deployment than the one in the path.",
            "Use the token of the deployment in the path."),
    INVALID_METRICS("invalid-metrics", 400, "Invalid metrics",
            "Some metric points are invalid (non-finite values, names or steps out of range); none was stored.",
            "Fix each entry of `errors` and send the batch again."),
    TOO_MANY_POINTS("too-many-points", 413, "Too many points",
            "The batch holds more metric points or log lines than one call may carry.",
            "Split the batch into several calls."),
    TOO_MANY_STREAMS("too-many-streams", 429, "Too many streams",
            "You hold as many live job streams open as one user may (50 by default).",
            "Close a stream you no longer read, or poll GET /api/v1/jobs/{id}/progress instead."),
    STREAMS_EXHAUSTED("streams-exhausted", 429, "Streams exhausted",
            "This server holds as many live job streams as it serves.",
            "Retry in a minute, or poll GET /api/v1/jobs/{id}/progress instead.");

    private final String slug;
    private final int status;
    private final String title;
    private final String happened;
    private final String todo;

    ProblemCatalog(String slug, int status, String title, String happened, String todo) {
        this.slug = slug;
        this.status = status;
        this.title = title;
        this.happened = happened;
        this.todo = todo;
    }

    /** The last segment of the type URI, e.g. {@code not-found}. */
    public String slug() {
        return slug;
    }

    /** The HTTP status this problem is answered with. */
    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** What happened, in a sentence or two. */
    public String happened() {
        return happened;
    }

    /** What the caller can do about it. */
    public String todo() {
        return todo;
    }

    /** The problem's {@code type} URI. */
    public String type() {
        return Problem.TYPE_BASE + slug;
    }

    /** The entry of a slug, if the catalog has one. */
    public static Optional<ProblemCatalog> bySlug(String slug) {
        return Arrays.stream(values()).filter(p -> p.slug.equals(slug)).findFirst();
    }

    /** The entries whose slug a text names as a word (an operation's response description, say). */
    public static java.util.List<ProblemCatalog> bySlugsIn(String text) {
        return Arrays.stream(values())
                .filter(p -> java.util.regex.Pattern.compile("(?<![a-z0-9-])" + p.slug + "(?![a-z0-9-])")
                        .matcher(text).find())
                .toList();
    }

    /** The entry of a type URI, if the catalog has one. */
    public static Optional<ProblemCatalog> byType(String type) {
        return type != null && type.startsWith(Problem.TYPE_BASE)
                ? bySlug(type.substring(Problem.TYPE_BASE.length())) : Optional.empty();
    }
}
