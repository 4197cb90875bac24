package dev.trainpod.dataset.service;

import dev.trainpod.common.problem.Problem;
import dev.trainpod.common.problem.ProblemException;
import dev.trainpod.dataset.Dataset;
import dev.trainpod.dataset.DatasetProblems;
import dev.trainpod.dataset.DeploymentGrant;
import dev.trainpod.dataset.DownloadToken;
import dev.trainpod.dataset.repository.DatasetRepository;
import dev.trainpod.dataset.repository.DeploymentGrantRepository;
import dev.trainpod.dataset.repository.DownloadTokenRepository;
import dev.trainpod.dataset.validation.DatasetFormat;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
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
        return Panache.withTransaction(() -> datasets.findOwned(datasetId, userId)
                .onItem().ifNull().failWith(DatasetProblems::datasetNotFound)
                .invoke(DownloadTokenService::requireValid)
                .call(dataset -> grants.upsertGrant(deploymentId, userId, datasetId, now)
                        .invoke(grant -> requireOpen(grant, userId, datasetId)))
                .chain(dataset -> {
                    String secret = TokenSecrets.newToken();
                    DownloadToken token = new DownloadToken();
                    token.id = UUID.randomUUID();
                    token.tokenHash = TokenSecrets.hash(secret);
                    token.userId = userId;
                    token.datasetId = datasetId;
                    token.deploymentId = deploymentId;
                    token.expiresAt = now.plus(ttl);
                    token.maxUses = maxUses;
                    token.createdAt = now;
                    return tokens.persist(token).map(saved -> new IssuedToken(secret, saved, dataset));
                }))
                .invoke(issued -> LOG.infof("minted download token %s for dataset %s, deployment %s, until %s",
                        TokenSecrets.logPrefix(issued.secret()), datasetId, deploymentId, issued.token().expiresAt));
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
