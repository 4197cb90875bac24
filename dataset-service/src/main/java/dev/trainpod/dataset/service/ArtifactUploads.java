package dev.trainpod.dataset.service;

import dev.trainpod.dataset.Artifact;
import dev.trainpod.dataset.config.DatasetConfig;
import dev.trainpod.dataset.problem.DatasetProblems;
import dev.trainpod.dataset.storage.BlobStore;
import dev.trainpod.dataset.storage.DatasetStorage;
import dev.trainpod.dataset.storage.StagedFile;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Receives a pod's artifact, whole or in {@code Content-Range} chunks: streams each chunk to a staged file named
 * by the artifact's id (the pod's name never reaches a path), and once the last byte is there checks its SHA-256
 * and moves it into the blob store. Blocking: call it from a worker thread.
 */
@ApplicationScoped
public class ArtifactUploads {

    private static final Logger LOG = Logger.getLogger(ArtifactUploads.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    private final ArtifactRecords records;
    private final BlobStore blobs;
    private final Path staging;
    private final long maxBytes;
    private final long quotaBytes;

    public ArtifactUploads(ArtifactRecords records, BlobStore blobs, DatasetStorage storage, DatasetConfig config) {
        this.records = records;
        this.blobs = blobs;
        this.staging = storage.partialDirectory();
        this.maxBytes = config.maxArtifactBytes().asLongValue();
        this.quotaBytes = config.maxArtifactBytesPerDeployment().asLongValue();
    }

    /** What one request did: the artifact as it now stands, and whether this request completed it. */
    public record Received(Artifact artifact, boolean complete) {
    }

    /** Fails with 400 unless the name is one an artifact may have. */
    public static void requireValidName(String name) {
        if (name == null || !NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw DatasetProblems.artifactNameInvalid();
        }
    }

    /**
     * Appends the body to the deployment's artifact; a request without a range, or whose range starts at 0,
     * begins the artifact afresh (replacing an earlier upload of the name).
     *
     * @param tokenOwner the job token's {@code trainpod_owner}, or null: opens the grant of a deployment not yet
     *        known here (its write came before its {@code DeploymentRequested})
     * @param contentRange the {@code Content-Range} header, or null for the whole file
     * @param contentLength the request's declared length, or null
     * @param expectedSha256 the {@code X-Trainpod-Sha256} header, or null
     * @throws dev.trainpod.common.problem.ProblemException 400 bad name or header, 404/410 unknown or ended
     *         deployment, 409 (with the offset) when the chunk does not start where the upload stands, 413 over
     *         the size limit, 422 checksum mismatch
     */
    public Received receive(UUID deploymentId, String tokenOwner, String name, String contentRange,
                            Long contentLength, String expectedSha256, InputStream body) {
        requireValidName(name);
        ContentRange range = ContentRange.parse(contentRange);
        if (expectedSha256 != null && !SHA256.matcher(expectedSha256.strip()).matches()) {
            throw DatasetProblems.badHeader("checksum-invalid", "X-Trainpod-Sha256 must be 64 hex digits.");
        }
        long declared = range != null ? range.total() : contentLength == null ? 0 : contentLength;
        if (declared > maxBytes) {
            throw DatasetProblems.artifactTooLarge(maxBytes);
        }
        String owner = Await.result(() -> records.ownerOf(deploymentId, tokenOwner));
        long start = range == null ? 0 : range.start();
        long[] room = {maxBytes};
        Artifact artifact = start == 0 ? begin(deploymentId, owner, name, range, contentLength, room)
                : resume(deploymentId, name, range);
        Path staged = staged(artifact.id);
        MessageDigest digest = start == 0 ? StagedFile.newSha256() : null;
        long limit = range == null ? Math.min(maxBytes, room[0]) : range.length();
        StagedFile.Appended appended = StagedFile.append(staged, start, body, limit, digest);
        if (appended.overflow()) {
            if (range == null) {
                discard(artifact);
                if (limit < maxBytes) {
                    throw DatasetProblems.artifactQuotaExceeded("ARTIFACT_BYTES_QUOTA", quotaBytes,
                            quotaBytes - limit);
                }
                throw DatasetProblems.artifactTooLarge(maxBytes);
            }
            StagedFile.truncate(staged, start);
            throw DatasetProblems.badHeader("chunk-longer-than-range",
                    "The body has more bytes than its Content-Range says; the chunk was dropped, send it again.");
        }
        long offset = start + appended.written();
        Long total = range == null ? null : range.total();
        if (!Await.result(() -> records.advance(artifact.id, start, offset, total))) {
            throw DatasetProblems.offsetMismatch(current(deploymentId, name));
        }
        artifact.bytes = offset;
        if (appended.interrupted()) {
            throw DatasetProblems.uploadInterrupted();
        }
        if (range != null && offset < range.total()) {
            return new Received(artifact, false);
        }
        String sha256 = digest != null ? HexFormat.of().formatHex(digest.digest()) : StagedFile.sha256(staged);
        if (expectedSha256 != null && !expectedSha256.strip().toLowerCase(Locale.ROOT).equals(sha256)) {
            discard(artifact);
            throw DatasetProblems.checksumMismatch(expectedSha256.strip().toLowerCase(Locale.ROOT), sha256);
        }
        try {
            blobs.put(artifact.storageKey(), staged);
        } catch (IOException e) {
            LOG.errorf(e, "cannot store artifact %s", artifact.id);
            throw DatasetProblems.storageUnavailable();
        }
        Artifact done;
        try {
            done = Await.result(() -> records.complete(deploymentId, artifact.id, sha256));
        } catch (RuntimeException e) {
            blobs.delete(artifact.storageKey());
            discard(artifact);
            throw e;
        }
        LOG.infof("deployment %s uploaded artifact %s (%d bytes)", deploymentId, artifact.id, done.bytes);
        return new Received(done, true);
    }

    /** The artifact's progress; null if nothing was started under the name. */
    public Artifact status(UUID deploymentId, String name) {
        requireValidName(name);
        return Await.result(() -> records.find(deploymentId, name));
    }

    /**
     * Forgets the deployment's artifact of that name (a checkpoint the pod no longer keeps) and deletes its bytes;
     * false if there was none.
     */
    public boolean remove(UUID deploymentId, String name) {
        requireValidName(name);
        Artifact artifact = Await.result(() -> records.find(deploymentId, name));
        if (artifact == null) {
            return false;
        }
        discard(artifact);
        if (artifact.complete) {
            blobs.delete(artifact.storageKey());
        }
        return true;
    }

    /** The staged file of an incomplete artifact. */
    public Path staged(UUID artifactId) {
        return staging.resolve(artifactId + ".artifact");
    }

    /** Starts the artifact if the quota has room for what the request declares; {@code room[0]} is that room. */
    private Artifact begin(UUID deploymentId, String owner, String name, ContentRange range, Long contentLength,
                           long[] room) {
        long declared = range != null ? range.total() : contentLength == null ? 0 : contentLength;
        ArtifactRecords.Started started = Await.result(() -> records.begin(deploymentId, owner, name,
                range == null ? null : range.total(), declared));
        room[0] = started.roomBytes();
        if (started.previous() != null) {
            StagedFile.deleteQuietly(staged(started.previous().id));
            if (started.previous().complete) {
                blobs.delete(started.previous().storageKey());
            }
        }
        return started.artifact();
    }

    private Artifact resume(UUID deploymentId, String name, ContentRange range) {
        Artifact artifact = Await.result(() -> records.find(deploymentId, name));
        if (artifact == null) {
            throw DatasetProblems.offsetMismatch(0);
        }
        if (artifact.complete || artifact.bytes != range.start()
                || (artifact.totalBytes != null && artifact.totalBytes != range.total())) {
            throw DatasetProblems.offsetMismatch(artifact.bytes);
        }
        return artifact;
    }

    private long current(UUID deploymentId, String name) {
        Artifact now = Await.result(() -> records.find(deploymentId, name));
        return now == null ? 0 : now.bytes;
    }

    private void discard(Artifact artifact) {
        StagedFile.deleteQuietly(staged(artifact.id));
        Await.result(() -> records.discard(artifact.id));
    }
}
