package dev.trainpod.deploy.vault;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;

/** Stores, opens and forgets users' RunPod keys; the key itself never leaves this class except to call RunPod. */
@ApplicationScoped
public class SecretVault {

    private final SecretCipher cipher;

    public SecretVault(SecretCipher cipher) {
        this.cipher = cipher;
    }

    /** Seals and stores the key, replacing an earlier one; call inside a transaction. */
    public Uni<Void> store(String userId, String apiKey) {
        SecretCipher.Sealed sealed = cipher.seal(userId, apiKey);
        return RunPodKey.<RunPodKey>findById(userId).chain(existing -> {
            RunPodKey row = existing == null ? new RunPodKey() : existing;
            row.userId = userId;
            row.keyId = sealed.keyId();
            row.nonce = sealed.nonce();
            row.ciphertext = sealed.ciphertext();
            row.last4 = apiKey.substring(apiKey.length() - 4);
            row.updatedAt = Instant.now();
            return row.persist();
        }).replaceWithVoid();
    }

    /** The user's key in clear, if one is stored. */
    public Uni<Optional<String>> open(String userId) {
        return RunPodKey.<RunPodKey>findById(userId).map(row -> Optional.ofNullable(row)
                .map(r -> cipher.open(userId, new SecretCipher.Sealed(r.keyId, r.nonce, r.ciphertext))));
    }

    /** The last four characters of the stored key, if any. */
    public Uni<Optional<String>> last4(String userId) {
        return RunPodKey.<RunPodKey>findById(userId).map(row -> Optional.ofNullable(row).map(r -> r.last4));
    }

    public Uni<Boolean> delete(String userId) {
        return RunPodKey.deleteById(userId);
    }
}
