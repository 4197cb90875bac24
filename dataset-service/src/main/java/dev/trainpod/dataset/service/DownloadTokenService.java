package dev.trainpod.dataset.service;

import dev.trainpod.common.problem.Problem;
import dev.trainpod.common.problem.ProblemException;
import dev.trainpod.dataset.Dataset;
import dev.trainpod.dataset.DeploymentGrant;
import dev.trainpod.dataset.DownloadToken;
import dev.trainpod.dataset.problem.DatasetProblems;
import dev.trainpod.dataset.repository.DatasetRepository;
import dev.trainpod.dataset.repository.DeploymentGrantRepository;
import dev.trainpod.dataset.repository.DownloadTokenRepository;
import dev.trainpod.dataset.validation.DatasetFormat;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.jboss.logging.Logger;

/** Mints download tokens for a deployment's pod and revokes them when the deployment ends. */
@ApplicationScoped
public class DownloadTokenService {

    private static final Logger LOG = Logger.getLogger(DownloadTokenService.class);

    private final DatasetRepository datasets;
    private final DownloadTokenRepository tokens;
    private final DeploymentGrantRepository grants;

    public DownloadTokenService(DatasetRepository datasets, DownloadTokenRepository tokens,
                                DeploymentGrantRepository grants) {
        this.datasets = datasets;
        this.tokens = tokens;
        this.grants = grants;
    }

    /**
     * Mints a token that lets the deployment download the user's dataset.
     *
     * @throws ProblemException (in the Uni) 404 if the dataset is missing or not the user's, 422 if it is not
     *         valid, 409 if the deployment has ended or was granted another user's or dataset
     */
    public Uni<IssuedToken> mint(String userId, UUID datasetId, UUID deploymentId, Duration ttl, int maxUses) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return Panache.withTransaction(() -> datasets.findOwned(datasetId, userId, LockModeType.PESSIMISTIC_READ)
                .onItem().ifNull().failWith(DatasetProblems::datasetNotFound)
                .invoke(DownloadTokenService::requireValid)
                .call(dataset -> grants.upsertGrant(deploymentId, userId, datasetId, now)
                        .invoke(grant -> requireOpen(grant, userId, datasetId)))
                .chain(dataset -> issue(dataset, deploymentId, now, ttl, maxUses)))
                .invoke(DownloadTokenService::logMinted);
    }

    /**
     * Mints a fresh token for the dataset a live deployment was granted: what a pod whose token expired while it
     * waited for a GPU exchanges its job token for.
     *
     * @throws ProblemException (in the Uni) 404 if the deployment or its dataset is not known, 410 if the
     *         deployment has ended, 422 if the dataset is not valid
     */
    public Uni<IssuedToken> refresh(UUID deploymentId, Duration ttl, int maxUses) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return Panache.withTransaction(() -> grants.findForUpdate(deploymentId)
                .onItem().ifNull().failWith(DatasetProblems::deploymentNotFound)
                .chain(grant -> {
                    if (grant.endedAt != null) {
                        throw DatasetProblems.deploymentEnded();
                    }
                    if (grant.userId == null || grant.datasetId == null) {
                        throw DatasetProblems.deploymentNotFound();
                    }
                    return datasets.findOwned(grant.datasetId, grant.userId, LockModeType.PESSIMISTIC_READ)
                            .onItem().ifNull().failWith(DatasetProblems::datasetNotFound)
                            .invoke(DownloadTokenService::requireValid)
                            .chain(dataset -> issue(dataset, deploymentId, now, ttl, maxUses));
                }))
                .invoke(DownloadTokenService::logMinted);
    }

    private Uni<IssuedToken> issue(Dataset dataset, UUID deploymentId, Instant now, Duration ttl, int maxUses) {
        String secret = TokenSecrets.newToken();
        DownloadToken token = new DownloadToken();
        token.id = UUID.randomUUID();
        token.tokenHash = TokenSecrets.hash(secret);
        token.userId = dataset.userId;
        token.datasetId = dataset.id;
        token.deploymentId = deploymentId;
        token.expiresAt = now.plus(ttl);
        token.maxUses = maxUses;
        token.createdAt = now;
        return tokens.persist(token).map(saved -> new IssuedToken(secret, saved, dataset));
    }

    private static void logMinted(IssuedToken issued) {
        LOG.infof("minted download token %s for dataset %s, deployment %s, until %s",
                TokenSecrets.logPrefix(issued.secret()), issued.dataset().id, issued.token().deploymentId,
                issued.token().expiresAt);
    }

    /** Records which user and dataset a requested deployment downloads; call it inside a transaction. */
    public Uni<Void> recordGrant(UUID deploymentId, String userId, UUID datasetId) {
        return grants.upsertGrant(deploymentId, userId, datasetId, Instant.now()).replaceWithVoid();
    }

    /** Marks the deployment ended and revokes all its tokens; call it inside a transaction. */
    public Uni<Void> endDeployment(UUID deploymentId) {
        Instant now = Instant.now();
        return grants.markEnded(deploymentId, now)
                .chain(() -> tokens.revokeDeployment(deploymentId, now))
                .invoke(revoked -> LOG.infof("deployment %s ended: %d download token(s) revoked", deploymentId, revoked))
                .replaceWithVoid();
    }

    /** Deletes tokens expired, and grants of deployments ended, before the cutoff. */
    public Uni<Void> purge(Instant cutoff) {
        return Panache.withTransaction(() -> tokens.deleteExpiredBefore(cutoff)
                .chain(deletedTokens -> grants.deleteEndedBefore(cutoff)
                        .invoke(deletedGrants -> {
                            if (deletedTokens + deletedGrants > 0) {
                                LOG.infof("purged %d expired download token(s) and %d ended grant(s)",
                                        deletedTokens, deletedGrants);
                            }
                        })))
                .replaceWithVoid();
    }

    private static void requireValid(Dataset dataset) {
        if (DatasetFormat.INVALID.name().equals(dataset.format)) {
            throw ProblemException.unprocessable("dataset-invalid",
                    "Dataset " + dataset.id + " did not pass validation (" + dataset.errorCount
                            + " error(s)); the user must fix it and upload it again.",
                    List.of(new Problem.FieldError("datasetId", "DATASET_INVALID",
                            "the dataset's format is INVALID", "see the dataset's errors")));
        }
    }

    private static void requireOpen(DeploymentGrant grant, String userId, UUID datasetId) {
        if (grant.endedAt != null) {
            throw ProblemException.conflict("deployment-ended",
                    "Deployment " + grant.deploymentId + " has ended; no download token is minted for it.");
        }
        if (!Objects.equals(grant.userId, userId) || !Objects.equals(grant.datasetId, datasetId)) {
            throw ProblemException.conflict("grant-mismatch", "Deployment " + grant.deploymentId
                    + " was requested for another user or dataset; tokens are minted only for that one.");
        }
    }
}
