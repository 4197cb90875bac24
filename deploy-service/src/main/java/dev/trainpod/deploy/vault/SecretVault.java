package dev.trainpod.deploy.vault;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Stores, opens and forgets users' secrets (one per kind); a secret never leaves this class except to be used for
 * what it is: calling RunPod, or the pod's {@code HF_TOKEN}. Call inside a session, {@link #store} and
 * {@link #delete} inside a transaction.
 */
@ApplicationScoped
public class SecretVault {

    private final SecretCipher cipher;

    public SecretVault(SecretCipher cipher) {
        this.cipher = cipher;
    }

    /** Seals and stores the secret, replacing an earlier one of its kind. */
    public Uni<Void> store(String userId, SecretKind kind, String secret) {
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

    /** The user's secret of this kind in clear, if one is stored. */
    public Uni<Optional<String>> open(String userId, SecretKind kind) {
        return find(userId, kind).map(row -> Optional.ofNullable(row)
                .map(r -> cipher.open(userId, kind, new SecretCipher.Sealed(r.keyId, r.nonce, r.ciphertext))));
    }

    /** The last four characters of the stored secret, if any. */
    public Uni<Optional<String>> last4(String userId, SecretKind kind) {
        return find(userId, kind).map(row -> Optional.ofNullable(row).map(r -> r.last4));
    }

    /** The users who have stored a secret of this kind. */
    public Uni<List<String>> users(SecretKind kind) {
        return VaultSecret.<VaultSecret>list("kind", kind).map(rows -> rows.stream().map(r -> r.userId).toList());
    }

    public Uni<Boolean> delete(String userId, SecretKind kind) {
        return VaultSecret.deleteById(new VaultSecret.Key(userId, kind));
    }

    private static Uni<VaultSecret> find(String userId, SecretKind kind) {
        return VaultSecret.findById(new VaultSecret.Key(userId, kind));
    }
}
