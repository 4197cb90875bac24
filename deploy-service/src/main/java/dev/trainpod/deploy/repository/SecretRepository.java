package dev.trainpod.deploy.repository;

import dev.trainpod.deploy.vault.DeploymentCredential;
import dev.trainpod.deploy.vault.RunPodCredential;
import dev.trainpod.deploy.vault.SecretKind;
import dev.trainpod.deploy.vault.VaultSecret;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Every query on the vault's tables: users' sealed secrets ({@code vault_secret}), their RunPod keys
 * ({@code runpod_credential}) and which key each deployment's pod is acted on with ({@code deployment_credential}).
 * Rows come back sealed; opening them is the vault's business. Call inside a session (or transaction), except the
 * methods that take the {@link Pool} and run on their own.
 */
@ApplicationScoped
public class SecretRepository {

    /** Retired credentials that no deployment needs any more: none live, none with a pod not confirmed gone. */
    private static final String PURGE_RETIRED = """
            DELETE FROM runpod_credential c
            WHERE c.retired_at IS NOT NULL AND c.retired_at < now() - make_interval(secs => $1)
              AND NOT EXISTS (SELECT 1 FROM deployment_credential l JOIN deployment d ON d.id = l.deployment_id
                              WHERE l.credential_id = c.id
                                AND (d.status NOT IN ('SUCCEEDED', 'FAILED', 'CANCELLED')
                                     OR (d.pod_id IS NOT NULL AND d.pod_terminated_at IS NULL)))
            RETURNING c.id""";

    /** One stored secret per key id, of either table. */
    private static final String ONE_PER_KEY_ID = """
            SELECT DISTINCT ON (key_id) key_id, user_id, kind, nonce, ciphertext FROM (
                SELECT key_id, user_id, kind, nonce, ciphertext FROM vault_secret
                UNION ALL
                SELECT key_id, user_id, 'RUNPOD', nonce, ciphertext FROM runpod_credential) s
            ORDER BY key_id""";

    /** The id of the user's current RunPod credential (at most one is not retired). */
    private static final String CURRENT_CREDENTIAL_ID =
            "SELECT id FROM runpod_credential WHERE user_id = $1 AND retired_at IS NULL LIMIT 1";

    /** A RunPod credential's sealed key with its owner, by id. */
    private static final String SEALED_CREDENTIAL =
            "SELECT key_id, user_id, 'RUNPOD' AS kind, nonce, ciphertext FROM runpod_credential WHERE id = $1";

    private final Pool pool;

    public SecretRepository(Pool pool) {
        this.pool = pool;
    }

    /** A stored secret as sealed, with whose and what kind it is. */
    public record SealedSecret(String keyId, String userId, String kind, byte[] nonce, byte[] ciphertext) {
    }

    /** The user's secret of this kind (not RunPod keys); null if none is stored. */
    public Uni<VaultSecret> secret(String userId, SecretKind kind) {
        return VaultSecret.findById(new VaultSecret.Key(userId, kind));
    }

    /** Stores the secret row, new or changed. */
    public Uni<Void> save(VaultSecret row) {
        return row.persist().replaceWithVoid();
    }

    /** Deletes the user's secret of this kind; true if there was one. */
    public Uni<Boolean> deleteSecret(String userId, SecretKind kind) {
        return VaultSecret.deleteById(new VaultSecret.Key(userId, kind));
    }

    /** The user's current RunPod credential (the one not retired); null if none. */
    public Uni<RunPodCredential> currentCredential(String userId) {
        return RunPodCredential.find("userId = ?1 and retiredAt is null", userId).firstResult();
    }

    /**
     * The id of the user's current RunPod credential, null if none, read without opening it (a create needs to know
     * there is one, and which, not the key); runs on its own, so it may run beside a session's work.
     */
    public Uni<UUID> currentCredentialId(String userId) {
        return pool.preparedQuery(CURRENT_CREDENTIAL_ID).execute(Tuple.of(userId))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getUUID("id"));
    }

    /** The RunPod credential with this id as sealed, retired or not; null once it was purged; runs on its own. */
    public Uni<SealedSecret> sealedCredential(UUID id) {
        return pool.preparedQuery(SEALED_CREDENTIAL).execute(Tuple.of(id)).map(rows -> rows.size() == 0 ? null
                : sealed(rows.iterator().next()));
    }

    /** The RunPod credential with this id, retired or not; null once it was purged. */
    public Uni<RunPodCredential> credential(UUID id) {
        return RunPodCredential.findById(id);
    }

    /** Every stored RunPod credential, current and retired. */
    public Uni<List<RunPodCredential>> credentials() {
        return RunPodCredential.listAll();
    }

    /** Stores a new RunPod credential. */
    public Uni<Void> save(RunPodCredential row) {
        return row.persist().replaceWithVoid();
    }

    /** Retires the user's current RunPod credential now (an update statement, run at once); answers how many. */
    public Uni<Integer> retireCurrent(String userId) {
        return RunPodCredential.update("retiredAt = ?1 where userId = ?2 and retiredAt is null", Instant.now(),
                userId);
    }

    /** Serialises changes of one user's RunPod key until the transaction ends. */
    public Uni<Void> lockUserKey(String userId) {
        return Panache.getSession().chain(s -> s.createNativeQuery(
                        "SELECT count(*) FROM (SELECT pg_advisory_xact_lock(hashtext(:user))) l")
                .setParameter("user", "runpod-key:" + userId).getSingleResult()).replaceWithVoid();
    }

    /** The credential bound to the deployment; null if none was bound. */
    public Uni<DeploymentCredential> binding(UUID deploymentId) {
        return DeploymentCredential.findById(deploymentId);
    }

    /** The bindings of those of the deployments that have one. */
    public Uni<List<DeploymentCredential>> bindings(List<UUID> deploymentIds) {
        return DeploymentCredential.list("deploymentId in ?1", deploymentIds);
    }

    /** Stores the binding, new or changed. */
    public Uni<Void> save(DeploymentCredential row) {
        return row.persist().replaceWithVoid();
    }

    /** See {@link #PURGE_RETIRED}: deletes those retired longer than {@code grace} ago; answers how many; runs on its own. */
    public Uni<Integer> purgeRetired(Duration grace) {
        return pool.preparedQuery(PURGE_RETIRED).execute(Tuple.of(grace.toMillis() / 1000.0)).map(rows -> rows.size());
    }

    /** See {@link #ONE_PER_KEY_ID}; runs on its own. */
    public Uni<List<SealedSecret>> onePerKeyId() {
        return pool.query(ONE_PER_KEY_ID).execute().map(rows -> {
            List<SealedSecret> sealed = new ArrayList<>();
            for (Row row : rows) {
                sealed.add(sealed(row));
            }
            return sealed;
        });
    }

    private static SealedSecret sealed(Row row) {
        return new SealedSecret(row.getString("key_id"), row.getString("user_id"), row.getString("kind"),
                row.getBuffer("nonce").getBytes(), row.getBuffer("ciphertext").getBytes());
    }
}
