package dev.trainpod.deploy.vault;

import dev.trainpod.deploy.repository.SecretRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
    private final SecretRepository secrets;
    private final MeterRegistry registry;

    public SecretVault(SecretCipher cipher, SecretRepository secrets, MeterRegistry registry) {
        this.cipher = cipher;
        this.secrets = secrets;
        this.registry = registry;
    }

    /**
     * Opens a sealed secret and counts it ({@code trainpod.vault.secrets.opened}, by kind): how often keys are
     * decrypted, which a create answered from the GPU catalog cache no longer does.
     */
    private String open(String userId, SecretKind kind, SecretCipher.Sealed sealed) {
        String secret = cipher.open(userId, kind, sealed);
        Counter.builder("trainpod.vault.secrets.opened").description("Sealed secrets opened (decrypted)")
                .tag("kind", kind.name()).register(registry).increment();
        return secret;
    }

    /** Seals and stores the secret, replacing (for RunPod: retiring) an earlier one of its kind. */
    public Uni<Void> store(String userId, SecretKind kind, String secret) {
        if (kind == SecretKind.RUNPOD) {
            return storeRunPodKey(userId, secret);
        }
        SecretCipher.Sealed sealed = cipher.seal(userId, kind, secret);
        return secrets.secret(userId, kind).chain(existing -> {
            VaultSecret row = existing == null ? new VaultSecret() : existing;
            row.userId = userId;
            row.kind = kind;
            row.keyId = sealed.keyId();
            row.nonce = sealed.nonce();
            row.ciphertext = sealed.ciphertext();
            row.last4 = secret.substring(secret.length() - 4);
            row.updatedAt = Instant.now();
            return secrets.save(row);
        });
    }

    /** The user's secret of this kind in clear, if one is stored; for RunPod, the current key. */
    public Uni<Optional<String>> open(String userId, SecretKind kind) {
        if (kind == SecretKind.RUNPOD) {
            return current(userId).map(c -> c.map(Credential::apiKey));
        }
        return secrets.secret(userId, kind).map(row -> Optional.ofNullable(row)
                .map(r -> open(userId, kind, new SecretCipher.Sealed(r.keyId, r.nonce, r.ciphertext))));
    }

    /** The last four characters of the stored secret, if any. */
    public Uni<Optional<String>> last4(String userId, SecretKind kind) {
        if (kind == SecretKind.RUNPOD) {
            return secrets.currentCredential(userId).map(row -> Optional.ofNullable(row).map(r -> r.last4));
        }
        return secrets.secret(userId, kind).map(row -> Optional.ofNullable(row).map(r -> r.last4));
    }

    /** Forgets the secret; a RunPod key is retired instead, and kept sealed while its pods need it. */
    public Uni<Boolean> delete(String userId, SecretKind kind) {
        if (kind == SecretKind.RUNPOD) {
            return secrets.lockUserKey(userId).chain(() -> secrets.retireCurrent(userId)).map(n -> n > 0);
        }
        return secrets.deleteSecret(userId, kind);
    }

    /** The user's current RunPod credential (the newest not retired), opened. */
    public Uni<Optional<Credential>> current(String userId) {
        return secrets.currentCredential(userId).map(row -> Optional.ofNullable(row).map(this::opened));
    }

    /** The RunPod credential with this id, retired or not, opened; empty once it was purged. */
    public Uni<Optional<Credential>> credential(UUID id) {
        return secrets.credential(id).map(row -> Optional.ofNullable(row).map(this::opened));
    }

    /** The id of the user's current RunPod credential, if one is stored, without opening it; runs on its own. */
    public Uni<Optional<UUID>> currentCredentialId(String userId) {
        return secrets.currentCredentialId(userId).map(Optional::ofNullable);
    }

    /**
     * The API key of the RunPod credential with this id, opened; runs on its own (no session), so it may run beside
     * a session's work. Fails if the credential was purged.
     */
    public Uni<String> openCredential(UUID id) {
        return secrets.sealedCredential(id).map(row -> {
            if (row == null) {
                throw new IllegalStateException("RunPod credential " + id + " is gone");
            }
            return open(row.userId(), SecretKind.RUNPOD,
                    new SecretCipher.Sealed(row.keyId(), row.nonce(), row.ciphertext()));
        });
    }

    /** Every stored RunPod credential, current and retired, opened. */
    public Uni<List<Credential>> credentials() {
        return secrets.credentials().map(rows -> rows.stream().map(this::opened).toList());
    }

    private Uni<Void> storeRunPodKey(String userId, String apiKey) {
        return secrets.lockUserKey(userId).chain(() -> current(userId)).chain(existing -> {
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
            return secrets.retireCurrent(userId).chain(() -> secrets.save(row));
        });
    }

    private Credential opened(RunPodCredential row) {
        return new Credential(row.id, row.userId, open(row.userId, SecretKind.RUNPOD, row.sealed()),
                row.retiredAt != null);
    }
}
