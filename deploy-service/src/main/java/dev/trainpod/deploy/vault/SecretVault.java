package dev.trainpod.deploy.vault;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Stores, opens and forgets users' secrets (one per kind); a secret never leaves this class except to be used for
 * what it is: calling RunPod, or the pod's {@code HF_TOKEN}. RunPod keys are {@link RunPodCredential}s: storing a new
 * one or deleting it retires the current one, which stays sealed for the pods it created (see
 * {@code PodCredentials}). Call inside a session, {@link #store} and {@link #delete} inside a transaction.
 */
@ApplicationScoped
public class SecretVault {

    private final SecretCipher cipher;

    public SecretVault(SecretCipher cipher) {
        this.cipher = cipher;
    }

    /** Seals and stores the secret, replacing (for RunPod: retiring) an earlier one of its kind. */
    public Uni<Void> store(String userId, SecretKind kind, String secret) {
        if (kind == SecretKind.RUNPOD) {
            return storeRunPodKey(userId, secret);
        }
        SecretCipher.Sealed sealed = cipher.seal(userId, kind, secret);
        return find(userId, kind).chain(existing -> {
            VaultSecret row = existing == null ? new VaultSecret() : existing;
            row.userId = userId;
            row.kind = kind;
            row.keyId = sealed.keyId();
            row.nonce = sealed.nonce();
            row.ciphertext = sealed.ciphertext();
            row.last4 = secret.substring(secret.length() - 4);
            row.updatedAt = Instant.now();
            return row.persist();
        }).replaceWithVoid();
    }

    /** The user's secret of this kind in clear, if one is stored; for RunPod, the current key. */
    public Uni<Optional<String>> open(String userId, SecretKind kind) {
        if (kind == SecretKind.RUNPOD) {
            return current(userId).map(c -> c.map(Credential::apiKey));
        }
        return find(userId, kind).map(row -> Optional.ofNullable(row)
                .map(r -> cipher.open(userId, kind, new SecretCipher.Sealed(r.keyId, r.nonce, r.ciphertext))));
    }

    /** The last four characters of the stored secret, if any. */
    public Uni<Optional<String>> last4(String userId, SecretKind kind) {
        if (kind == SecretKind.RUNPOD) {
            return currentRow(userId).map(row -> Optional.ofNullable(row).map(r -> r.last4));
        }
        return find(userId, kind).map(row -> Optional.ofNullable(row).map(r -> r.last4));
    }

    /** Forgets the secret; a RunPod key is retired instead, and kept sealed while its pods need it. */
    public Uni<Boolean> delete(String userId, SecretKind kind) {
        if (kind == SecretKind.RUNPOD) {
            return lockUser(userId).chain(() -> retire(userId)).map(n -> n > 0);
        }
        return VaultSecret.deleteById(new VaultSecret.Key(userId, kind));
    }

    /** The user's current RunPod credential (the newest not retired), opened. */
    public Uni<Optional<Credential>> current(String userId) {
        return currentRow(userId).map(row -> Optional.ofNullable(row).map(this::opened));
    }

    /** The RunPod credential with this id, retired or not, opened; empty once it was purged. */
    public Uni<Optional<Credential>> credential(UUID id) {
        return RunPodCredential.<RunPodCredential>findById(id).map(row -> Optional.ofNullable(row).map(this::opened));
    }

    /** Every stored RunPod credential, current and retired, opened. */
    public Uni<List<Credential>> credentials() {
        return RunPodCredential.<RunPodCredential>listAll().map(rows -> rows.stream().map(this::opened).toList());
    }

    private Uni<Void> storeRunPodKey(String userId, String apiKey) {
        return lockUser(userId).chain(() -> current(userId)).chain(existing -> {
            if (existing.isPresent() && existing.get().apiKey().equals(apiKey)) {
                return Uni.createFrom().voidItem(); // the same key again: its pods keep their credential
            }
            SecretCipher.Sealed sealed = cipher.seal(userId, SecretKind.RUNPOD, apiKey);
            RunPodCredential row = new RunPodCredential();
            row.id = UUID.randomUUID();
            row.userId = userId;
            row.keyId = sealed.keyId();
            row.nonce = sealed.nonce();
            row.ciphertext = sealed.ciphertext();
            row.last4 = apiKey.substring(apiKey.length() - 4);
            row.createdAt = Instant.now();
            // an update statement runs at once, so the old key is retired before the new one is inserted
            return retire(userId).chain(() -> row.persist()).replaceWithVoid();
        });
    }

    private static Uni<Integer> retire(String userId) {
        return RunPodCredential.update("retiredAt = ?1 where userId = ?2 and retiredAt is null", Instant.now(),
                userId);
    }

    /** Serialises changes of one user's RunPod key until the transaction ends. */
    private static Uni<Void> lockUser(String userId) {
        return Panache.getSession().chain(s -> s.createNativeQuery(
                        "SELECT count(*) FROM (SELECT pg_advisory_xact_lock(hashtext(:user))) l")
                .setParameter("user", "runpod-key:" + userId).getSingleResult()).replaceWithVoid();
    }

    private static Uni<RunPodCredential> currentRow(String userId) {
        return RunPodCredential.find("userId = ?1 and retiredAt is null", userId).firstResult();
    }

    private Credential opened(RunPodCredential row) {
        return new Credential(row.id, row.userId, cipher.open(row.userId, SecretKind.RUNPOD, row.sealed()),
                row.retiredAt != null);
    }

    private static Uni<VaultSecret> find(String userId, SecretKind kind) {
        return VaultSecret.findById(new VaultSecret.Key(userId, kind));
    }
}
