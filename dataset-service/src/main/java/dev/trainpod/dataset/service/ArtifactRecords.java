package dev.trainpod.dataset.service;

import dev.trainpod.common.event.CheckpointStored;
import dev.trainpod.common.outbox.Outbox;
import dev.trainpod.dataset.Artifact;
import dev.trainpod.dataset.problem.DatasetProblems;
import dev.trainpod.dataset.repository.ArtifactRepository;
import dev.trainpod.dataset.repository.DeploymentGrantRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The database side of artifacts: who owns a deployment's uploads, and each upload's progress. */
@ApplicationScoped
public class ArtifactRecords {

    private final ArtifactRepository artifacts;
    private final DeploymentGrantRepository grants;
    /** A checkpoint the pod's agent uploads: {@code checkpoint-<step>.tar}. */
    static final Pattern CHECKPOINT = Pattern.compile("checkpoint-(\\d{1,9})\\.tar");

    private final StorageQuotas quotas;
    private final Outbox outbox;

    public ArtifactRecords(ArtifactRepository artifacts, DeploymentGrantRepository grants, StorageQuotas quotas,
                           Outbox outbox) {
        this.quotas = quotas;
        this.outbox = outbox;
        this.artifacts = artifacts;
        this.grants = grants;
    }

    /**
     * The user who owns the deployment's artifacts, from its grant. A pod's write that arrives before its
     * {@code DeploymentRequested} opens the grant on the job token's word ({@code tokenOwner}, the token's
     * {@code trainpod_owner}), as metrics-service opens the job: the same answer to the same race.
     *
     * @throws dev.trainpod.common.problem.ProblemException (in the Uni) 404 if the deployment is not known and the
     *         token names no owner, 410 if it has ended
     */
    public Uni<String> ownerOf(UUID deploymentId, String tokenOwner) {
        return Panache.withTransaction(() -> grants.findById(deploymentId)
                        .chain(grant -> grants.orOpenedBy(grant, deploymentId, tokenOwner)))
                .map(grant -> {
                    if (grant == null || grant.userId == null) {
                        throw DatasetProblems.deploymentNotFound();
                    }
                    if (grant.endedAt != null) {
                        throw DatasetProblems.deploymentEnded();
                    }
                    return grant.userId;
                });
    }

    /** The deployment's artifact of that name, complete or not; null if none was started. */
    public Uni<Artifact> find(UUID deploymentId, String name) {
        return Panache.withSession(() -> artifacts.findByName(deploymentId, name));
    }

    /**
     * Starts the artifact afresh under a new id, replacing any earlier upload of the name, if the deployment's
     * artifact quota has room for it ({@code declaredBytes}: what the request announced, 0 if nothing).
     *
     * @return the new artifact; the replaced one, if any, is {@code previous}; the bytes the quota leaves it
     */
    public Uni<Started> begin(UUID deploymentId, String userId, String name, Long totalBytes, long declaredBytes) {
        Instant now = now();
        long[] room = new long[1];
        return Panache.withTransaction(() -> quotas.artifactFits(deploymentId, name, declaredBytes)
                .invoke(left -> room[0] = left)
                .chain(() -> artifacts.findByName(deploymentId, name))
                .call(previous -> previous == null ? Uni.createFrom().voidItem() : artifacts.deleteRow(previous.id))
                .chain(previous -> {
                    Artifact artifact = new Artifact();
                    artifact.id = UUID.randomUUID();
                    artifact.deploymentId = deploymentId;
                    artifact.userId = userId;
                    artifact.name = name;
                    artifact.totalBytes = totalBytes;
                    artifact.createdAt = now;
                    artifact.updatedAt = now;
                    return artifacts.persist(artifact).map(saved -> new Started(saved, previous, room[0]));
                }));
    }

    /** Records that the upload moved from {@code from} to {@code to} bytes; false if another request moved it. */
    public Uni<Boolean> advance(UUID id, long from, long to, Long totalBytes) {
        return Panache.withTransaction(() -> artifacts.advance(id, from, to, totalBytes, now()))
                .map(updated -> updated == 1);
    }

    /**
     * Marks the upload complete with its checksum, if it still fits the deployment's artifact quota (checked
     * under the deployment's lock); otherwise fails with {@code artifact-quota-exceeded}, the record unchanged.
     */
    public Uni<Artifact> complete(UUID deploymentId, UUID id, String sha256) {
        return Panache.withTransaction(() -> artifacts.findById(id)
                .onItem().ifNull().failWith(DatasetProblems::artifactNotFound)
                .call(artifact -> quotas.artifactFits(deploymentId, artifact.name, artifact.bytes))
                .invoke(artifact -> {
                    artifact.complete = true;
                    artifact.sha256 = sha256;
                    artifact.totalBytes = artifact.bytes;
                    artifact.updatedAt = now();
                })
                .call(artifact -> checkpointStored(deploymentId, artifact)));
    }

    /** Publishes {@link CheckpointStored}, in the completing transaction, when the artifact is a checkpoint. */
    private Uni<Void> checkpointStored(UUID deploymentId, Artifact artifact) {
        Matcher m = CHECKPOINT.matcher(artifact.name);
        return m.matches() ? outbox.publish(new CheckpointStored(deploymentId, Integer.parseInt(m.group(1)),
                artifact.name, artifact.updatedAt)) : Uni.createFrom().voidItem();
    }

    /** Forgets the upload. */
    public Uni<Void> discard(UUID id) {
        return Panache.withTransaction(() -> artifacts.deleteRow(id)).replaceWithVoid();
    }

    /** The user's complete artifacts, of one deployment when it is given. */
    public Uni<List<Artifact>> list(String userId, UUID deploymentId) {
        return Panache.withSession(() -> artifacts.listOwned(userId, deploymentId));
    }

    /** The deployment's complete artifacts, for its pod. */
    public Uni<List<Artifact>> ofDeployment(UUID deploymentId) {
        return Panache.withSession(() -> artifacts.listComplete(deploymentId));
    }

    /** The user's complete artifact; 404 if it is not there or not theirs. */
    public Uni<Artifact> get(UUID id, String userId) {
        return Panache.withSession(() -> artifacts.findOwnedComplete(id, userId))
                .onItem().ifNull().failWith(DatasetProblems::artifactNotFound);
    }

    /** Forgets incomplete uploads not touched since the cutoff; the items are the forgotten ones. */
    public Uni<List<Artifact>> purgeStale(Instant cutoff) {
        return Panache.withTransaction(() -> artifacts.listStale(cutoff)
                .call(stale -> stale.isEmpty() ? Uni.createFrom().voidItem()
                        : artifacts.deleteRows(stale.stream().map(a -> a.id).toList())));
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    /** A fresh upload, the one it replaced (null if none), and the bytes the deployment's quota leaves it. */
    public record Started(Artifact artifact, Artifact previous, long roomBytes) {
    }
}
